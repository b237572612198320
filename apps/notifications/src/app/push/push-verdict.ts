import { type DeliveryVerdict, nextAttemptDelay, type RetryPolicy } from '@switchyard/retry';
import { type PushOutcome } from './push-outcome';

export interface PushVerdict {
  readonly verdict: DeliveryVerdict;
  /** Milliseconds to the next attempt; null when this one was the last. */
  readonly delay: number | null;
  /** The device's token is dead: remove it (APNs: unless registered after this time). */
  readonly removeDevice: { readonly unregisteredAt: Date | null } | null;
}

/**
 * What a provider's answer means for the push: sent; tried again on the push schedule (the
 * provider's retry-after wins, and FCM's quota waits at least a minute); or over, with the
 * device removed when its token is dead.
 */
export function pushVerdict(
  outcome: PushOutcome,
  policy: RetryPolicy,
  attempt: { readonly attemptsMade: number; readonly elapsedMs: number },
): PushVerdict {
  switch (outcome.kind) {
    case 'sent':
      return { verdict: 'success', delay: null, removeDevice: null };
    case 'remove_device':
      return {
        verdict: 'give_up',
        delay: null,
        removeDevice: { unregisteredAt: outcome.unregisteredAt },
      };
    case 'failed':
      return { verdict: 'give_up', delay: null, removeDevice: null };
    case 'retry': {
      const delay = nextAttemptDelay(policy, {
        attemptsMade: attempt.attemptsMade,
        retryAfterMs: outcome.retryAfterMs ?? undefined,
        elapsedMs: attempt.elapsedMs,
      });
      return delay === null
        ? { verdict: 'give_up', delay: null, removeDevice: null }
        : { verdict: 'retry', delay: Math.max(delay, outcome.minDelayMs), removeDevice: null };
    }
  }
}
