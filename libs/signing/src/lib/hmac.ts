import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export type HmacKey = KeyObject;

export function hmacKey(material: Buffer | string): HmacKey {
  return createSecretKey(typeof material === 'string' ? Buffer.from(material, 'utf8') : material);
}

/**
 * HMAC-SHA256 of `prefix` followed by `body`, encoded. The body is fed as its own Buffer rather
 * than concatenated into one string (at 64 KB ~40% faster, shared/performance.md), and the
 * digest comes out already encoded: a digest Buffer costs a fresh allocation that, at 1 KB,
 * is a fifth of the whole verification.
 */
export function hmacSha256(
  key: HmacKey,
  prefix: string,
  body: Buffer | string,
  encoding: 'base64' | 'hex',
): string {
  const hmac = createHmac('sha256', key);
  if (prefix.length > 0) hmac.update(prefix);
  return hmac.update(body).digest(encoding);
}

/**
 * Compares two encoded digests without an early exit, so the time taken does not reveal how
 * many leading characters of a forged signature were right. Lengths are public (fixed per
 * encoding), as with crypto.timingSafeEqual.
 */
export function equalInConstantTime(expected: string, candidate: string): boolean {
  if (expected.length !== candidate.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference |= expected.charCodeAt(i) ^ candidate.charCodeAt(i);
  }
  return difference === 0;
}

type HeaderValue = string | readonly string[] | undefined;
export type HeaderBag = Readonly<Record<string, HeaderValue>>;

/** A header's single value; Node and Fastify key headers in lower case. */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
}

export function toList(secrets: string | readonly string[]): readonly string[] {
  return typeof secrets === 'string' ? [secrets] : secrets;
}
