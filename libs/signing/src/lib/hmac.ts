import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * HMAC-SHA256 of `prefix` followed by `body`. The body is fed as its own Buffer rather than
 * concatenated into one string: at 64 KB that is ~40% faster (see shared performance notes).
 */
export function hmacSha256(key: Buffer | string, prefix: string, body: Buffer | string): Buffer {
  return createHmac('sha256', key).update(prefix).update(body).digest();
}

export function equalInConstantTime(expected: Buffer, candidate: Buffer): boolean {
  return expected.length === candidate.length && timingSafeEqual(expected, candidate);
}
