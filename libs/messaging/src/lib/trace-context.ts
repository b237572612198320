import { randomBytes } from 'node:crypto';

/** A fresh W3C `traceparent` for an event that starts a trace (sampled). */
export function newTraceparent(): string {
  return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
}

/** A child `traceparent`: the same trace, a new span id. */
export function childTraceparent(parent: string | undefined): string {
  const match = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  if (!match) return newTraceparent();
  return `00-${match[1]}-${randomBytes(8).toString('hex')}-${match[2]}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

const TRACEPARENT_IN_JSON = /"traceparent":"(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"/;

/** The `traceparent` of an event envelope kept as JSON text, found without parsing all of it. */
export function traceparentInJson(json: string): string | undefined {
  return TRACEPARENT_IN_JSON.exec(json)?.[1];
}
