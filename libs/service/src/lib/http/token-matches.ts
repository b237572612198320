import { timingSafeEqual } from 'node:crypto';

/** Whether a presented bearer token is the expected secret, compared in constant time. */
export function tokenMatches(given: string | null, expected: string): boolean {
  const token = Buffer.from(given ?? '');
  const wanted = Buffer.from(expected);
  return token.length === wanted.length && timingSafeEqual(token, wanted);
}
