import { errorChain } from './error-chain';

/**
 * Postgres SQLSTATE classes of a refusal that one row can cause: 22, a value it cannot take
 * (too long, out of range, malformed), and 23, a constraint it breaks.
 */
const ROW_FAULT = /^2[23]...$/;

/**
 * Whether a failed statement over many rows may be the fault of one of them: then trying each
 * row alone lets the others through. Anything else (an outage, a deadlock, a cancelled or timed
 * out statement) would fail each row alike, and trying them one by one would only add load.
 */
export function isRowFault(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (typeof e.code === 'string' && ROW_FAULT.test(e.code)) return true;
  }
  return false;
}

/** SQLSTATEs of a transaction Postgres gave up on to let another one through. */
const CONFLICT = new Set(['40001', '40P01']);

/**
 * Whether a statement failed for another transaction's sake (a deadlock, a serialization
 * failure): nothing of it happened, and the same statement may well pass when run again.
 */
export function isConflict(err: unknown): boolean {
  for (const e of errorChain(err)) {
    if (typeof e.code === 'string' && CONFLICT.has(e.code)) return true;
  }
  return false;
}
