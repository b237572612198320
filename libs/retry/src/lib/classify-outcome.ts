export type DeliveryVerdict = 'success' | 'retry' | 'disable_endpoint' | 'give_up';

export interface AttemptOutcome {
  /** HTTP status, when a response came back. */
  readonly status?: number;
  /** A transport failure (timeout, reset, refused, DNS), when none did. */
  readonly transportError?: boolean;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/**
 * What one attempt means for the delivery: 2xx succeeds; 408, 425, 429, 5xx and transport
 * failures are worth retrying; 410 Gone asks us to stop sending to the endpoint; other 4xx
 * are retried only when `retryOtherClientErrors` is set (partners misconfigure, then fix).
 */
export function classifyOutcome(
  outcome: AttemptOutcome,
  options: { retryOtherClientErrors?: boolean } = {},
): DeliveryVerdict {
  const { status } = outcome;
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'disable_endpoint';
  if (RETRYABLE_STATUSES.has(status) || status >= 500) return 'retry';
  if (status >= 400 && status < 500) return options.retryOtherClientErrors ? 'retry' : 'give_up';
  // 1xx and 3xx: redirects are not followed, so the attempt failed; the endpoint may be fixed.
  return 'retry';
}
