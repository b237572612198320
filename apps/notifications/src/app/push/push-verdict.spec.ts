import { retryPolicy } from '@switchyard/retry';
import fc from 'fast-check';
import { type PushOutcome } from './push-outcome';
import { pushVerdict } from './push-verdict';

const policy = retryPolicy({ scheduleMs: [0, 30_000, 120_000], jitterRatio: 0 });
const first = { attemptsMade: 1, elapsedMs: 0 };
const retry = (overrides: Partial<Extract<PushOutcome, { kind: 'retry' }>> = {}): PushOutcome => ({
  kind: 'retry',
  statusCode: 503,
  reason: 'Unavailable',
  retryAfterMs: null,
  minDelayMs: 0,
  ...overrides,
});

describe('what a provider’s answer means for a push', () => {
  it('is done when the provider took it', () => {
    expect(pushVerdict({ kind: 'sent', statusCode: 200, providerId: 'x' }, policy, first)).toEqual({
      verdict: 'success',
      delay: null,
      removeDevice: null,
    });
  });

  it('tries again on the push schedule, later when the provider says so, and not before a quota’s minute', () => {
    expect(pushVerdict(retry(), policy, first).delay).toBe(30_000);
    expect(pushVerdict(retry({ retryAfterMs: 90_000 }), policy, first).delay).toBe(90_000);
    expect(pushVerdict(retry({ statusCode: 429, minDelayMs: 60_000 }), policy, first).delay).toBe(
      60_000,
    );
  });

  it('gives up once the schedule is spent', () => {
    expect(pushVerdict(retry(), policy, { attemptsMade: 3, elapsedMs: 0 })).toEqual({
      verdict: 'give_up',
      delay: null,
      removeDevice: null,
    });
  });

  it('removes the device for a dead token, with the time the provider last knew it', () => {
    const at = new Date('2026-11-30T00:00:00Z');
    const outcome: PushOutcome = {
      kind: 'remove_device',
      statusCode: 410,
      reason: 'Unregistered',
      unregisteredAt: at,
    };
    expect(pushVerdict(outcome, policy, first)).toEqual({
      verdict: 'give_up',
      delay: null,
      removeDevice: { unregisteredAt: at },
    });
  });

  it('never retries a failure, and never removes a device but for a dead token', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: 400, max: 499 }), (alert, status) => {
        const verdict = pushVerdict(
          { kind: 'failed', statusCode: status, reason: 'BadTopic', alert },
          policy,
          first,
        );
        return (
          verdict.verdict === 'give_up' && verdict.delay === null && verdict.removeDevice === null
        );
      }),
    );
  });
});
