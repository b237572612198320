import fc from 'fast-check';
import { classifyOutcome } from './classify-outcome';
import { parseRetryAfter } from './retry-after';
import { DEFAULT_RETRY_POLICY, nextAttemptDelay, parseSchedule, retryPolicy } from './retry-policy';

describe('retry policy', () => {
  it('follows the schedule and gives up when it is spent', () => {
    const policy = retryPolicy({ scheduleMs: [0, 1000, 2000], jitterRatio: 0 });

    expect(nextAttemptDelay(policy, { attemptsMade: 1 })).toBe(1000);
    expect(nextAttemptDelay(policy, { attemptsMade: 2 })).toBe(2000);
    expect(nextAttemptDelay(policy, { attemptsMade: 3 })).toBeNull();
  });

  it('never returns a negative delay nor one beyond the jittered schedule or the Retry-After cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 7 }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        fc.option(fc.integer({ min: 0, max: 100 * 3600 * 1000 }), { nil: undefined }),
        (attemptsMade, r, retryAfterMs) => {
          const policy = DEFAULT_RETRY_POLICY;
          const delay = nextAttemptDelay(policy, { attemptsMade, retryAfterMs, random: () => r });
          const base = policy.scheduleMs[attemptsMade] ?? 0;
          const ceiling = Math.max(base * (1 + policy.jitterRatio), policy.maxRetryAfterMs);
          return delay !== null && delay >= 0 && delay <= Math.ceil(ceiling);
        },
      ),
    );
  });

  it('reads schedules written for humans', () => {
    expect(parseSchedule('0,5s,5m,2h,250ms')).toEqual([0, 5000, 300000, 7200000, 250]);
    expect(() => parseSchedule('soon')).toThrow(/is not a delay/);
  });

  it('honours Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');

    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('whenever', now)).toBeUndefined();
  });

  it.each([
    [204, 'success'],
    [429, 'retry'],
    [503, 'retry'],
    [410, 'disable_endpoint'],
    [400, 'give_up'],
    [301, 'retry'],
  ])('classifies HTTP %i as %s', (status, verdict) => {
    expect(classifyOutcome({ status })).toBe(verdict);
  });

  it('retries a transport failure', () => {
    expect(classifyOutcome({ transportError: true })).toBe('retry');
  });
});
