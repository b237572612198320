import { SignatureVerificationError } from './signature-verification.error';

export interface ToleranceOptions {
  /** Seconds a signature may be old, or ahead of this clock (default 300). */
  readonly toleranceSeconds?: number;
  /** Milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** Rejects a signed timestamp outside the tolerance window, on either side. */
export function checkTolerance(timestamp: number, options: ToleranceOptions, what: string): void {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (timestamp < now - tolerance) {
    throw new SignatureVerificationError(
      'timestamp_too_old',
      `The ${what} was signed ${now - timestamp}s ago, beyond the ${tolerance}s tolerance: a replayed request, or the sender's clock is behind`,
    );
  }
  if (timestamp > now + tolerance) {
    throw new SignatureVerificationError(
      'timestamp_in_future',
      `The ${what} is timestamped ${timestamp - now}s in the future, beyond the ${tolerance}s tolerance: check the sender's and this server's clocks`,
    );
  }
}

const UNIX_SECONDS = /^\d{1,12}$/;

export function parseUnixSeconds(raw: string | undefined): number | undefined {
  return raw !== undefined && UNIX_SECONDS.test(raw) ? Number(raw) : undefined;
}
