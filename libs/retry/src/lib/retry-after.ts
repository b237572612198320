/**
 * Parses an HTTP `Retry-After` value (delta-seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined for absent or unreadable values, so a bad header never blocks a retry.
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
