import { z } from 'zod';

/**
 * An instant in a request: ISO 8601 with Z or an offset (2025-01-31T12:00:00Z), real calendar
 * days only, and not in year 0, which ISO allows but Postgres refuses (its years run 1 BC, 1 AD).
 */
export function isoTimestamp() {
  return z.iso
    .datetime({ offset: true })
    .refine((text) => !text.startsWith('0000'), 'must be in year 1 or later');
}
