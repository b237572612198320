import { type ServiceProcess } from '@switchyard/testing';
import { readFileSync } from 'node:fs';

/** One line a service wrote: its text, and its JSON (null when the line is not JSON). */
export interface LogLine {
  readonly service: string;
  readonly text: string;
  readonly json: Record<string, unknown> | null;
}

/** Every non-empty line each service wrote to stdout and stderr (stop them first). */
export function serviceLogLines(services: readonly ServiceProcess[]): LogLine[] {
  return services.flatMap((service) =>
    readFileSync(service.logFile, 'utf8')
      .split('\n')
      .filter((text) => text.trim() !== '')
      .map((text) => ({ service: service.name, text, json: parseObject(text) })),
  );
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
