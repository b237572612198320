import { randomFillSync } from 'node:crypto';

/**
 * Random bytes for trace and span ids, drawn from a pool filled a few kilobytes at a time: every
 * event starts a trace, and a `randomBytes` call per id (a system call each) was 3% of the orders
 * service's CPU under load. The ids need to be unique, not secret.
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** A fresh W3C `traceparent` for an event that starts a trace (sampled). */
export function newTraceparent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}

/** A child `traceparent`: the same trace, a new span id. */
export function childTraceparent(parent: string | undefined): string {
  const match = parent ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(parent) : null;
  if (!match) return newTraceparent();
  return `00-${match[1]}-${randomHex(8)}-${match[2]}`;
}

export function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

const TRACEPARENT_IN_JSON = /"traceparent":"(00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})"/;

/** The `traceparent` of an event envelope kept as JSON text, found without parsing all of it. */
export function traceparentInJson(json: string): string | undefined {
  return TRACEPARENT_IN_JSON.exec(json)?.[1];
}
