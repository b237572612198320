import { z } from 'zod';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * LOG_FORMAT: `pretty` (pino-pretty, for a person at a terminal) or `json` (one object a line,
 * for a collector). Unset, it is `pretty` when stdout is a terminal and `json` otherwise, so
 * Docker, CI and anything that pipes the output get JSON without being told. Tools that pipe
 * a service's output to a terminal themselves (`npm start`) decide and set it.
 */
export function logFormat(stdoutIsTerminal: () => boolean = () => process.stdout.isTTY === true) {
  return z
    .enum(LOG_FORMATS, { error: 'must be "pretty" (for a terminal) or "json"' })
    .default(() => (stdoutIsTerminal() ? 'pretty' : 'json'));
}
