import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Session ids, portal links and CSRF tokens: 256 random bits, kept in the database only as a
 * SHA-256 (a stolen table opens no session). A prefix says what a token is when one turns up in
 * a log or a paste.
 */
export function newConsoleToken(prefix: 'sys_' | 'syp_' | 'syc_'): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashConsoleToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Compares a token sent back with the one issued, in constant time. */
export function sameToken(sent: string | undefined, issued: string): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(issued);
  return a.length === b.length && timingSafeEqual(a, b);
}
