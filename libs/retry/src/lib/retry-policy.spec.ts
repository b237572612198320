import fc from 'fast-check';
import {
  DEFAULT_SCHEDULE_MS,
  InvalidRetryPolicyError,
  nextAttemptDelay,
  parseSchedule,
  retryPolicy,
} from './retry-policy';

const HOUR = 3_600_000;

describe('retry policy', () => {
  it('by default retries immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h', () => {
    expect(DEFAULT_SCHEDULE_MS).toEqual([
      0,
      5_000,
      300_000,
      1_800_000,
      2 * HOUR,
      5 * HOUR,
      10 * HOUR,
      10 * HOUR,
    ]);
  });

  it('follows the schedule and gives up when it is spent', () => {
    const policy = retryPolicy({ scheduleMs: [0, 1000, 2000], jitterRatio: 0 });

    expect(nextAttemptDelay(policy, { attemptsMade: 1 })).toBe(1000);
    expect(nextAttemptDelay(policy, { attemptsMade: 2 })).toBe(2000);
    expect(nextAttemptDelay(policy, { attemptsMade: 3 })).toBeNull();
  });

  it('gives up when the next attempt would fall beyond the maximum age', () => {
    const policy = retryPolicy({
      scheduleMs: [0, HOUR, HOUR],
      jitterRatio: 0,
      maxAgeMs: 90 * 60_000,
    });

    expect(nextAttemptDelay(policy, { attemptsMade: 1, elapsedMs: 0 })).toBe(HOUR);
    expect(nextAttemptDelay(policy, { attemptsMade: 2, elapsedMs: HOUR })).toBeNull();
  });

  it('waits at least as long as Retry-After asks, up to its cap', () => {
    const policy = retryPolicy({ scheduleMs: [0, 1000], jitterRatio: 0, maxRetryAfterMs: 60_000 });

    expect(nextAttemptDelay(policy, { attemptsMade: 1, retryAfterMs: 30_000 })).toBe(30_000);
    expect(nextAttemptDelay(policy, { attemptsMade: 1, retryAfterMs: 10 * HOUR })).toBe(60_000);
  });

  it.each([
    ['an empty schedule', { scheduleMs: [] }],
    ['a negative delay', { scheduleMs: [0, -1] }],
    ['a shrinking schedule', { scheduleMs: [0, 5000, 1000] }],
    ['jitter of 100%', { jitterRatio: 1 }],
  ])('refuses %s when the policy is made', (_label, overrides) => {
    expect(() => retryPolicy(overrides)).toThrow(InvalidRetryPolicyError);
  });

  it('reads schedules written for humans, and names a bad one', () => {
    expect(parseSchedule('0,5s,5m,2h,1d,250ms')).toEqual([0, 5000, 300000, 7200000, 86400000, 250]);
    expect(() => parseSchedule('0,soon')).toThrow('"soon" is not a delay');
  });
});

describe('retry policy properties', () => {
  const scheduleArb = fc
    .array(fc.integer({ min: 0, max: 24 * HOUR }), { minLength: 1, maxLength: 12 })
    .map((delays) => [...delays].sort((a, b) => a - b));
  const policyArb = fc.record({
    scheduleMs: scheduleArb,
    jitterRatio: fc.double({ min: 0, max: 0.5, noNaN: true }),
    maxRetryAfterMs: fc.integer({ min: 0, max: 48 * HOUR }),
    maxAgeMs: fc.integer({ min: 1, max: 30 * 24 * HOUR }),
  });
  const randomArb = fc.double({ min: 0, max: 0.999_999, noNaN: true });

  it('never returns a negative delay, nor one beyond the jittered schedule or the Retry-After cap', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.nat({ max: 15 }),
        randomArb,
        fc.option(fc.integer({ min: 0, max: 100 * HOUR }), { nil: undefined }),
        (overrides, attemptsMade, r, retryAfterMs) => {
          const policy = retryPolicy(overrides);
          const delay = nextAttemptDelay(policy, { attemptsMade, retryAfterMs, random: () => r });
          if (delay === null) return;
          const base = policy.scheduleMs[attemptsMade] as number;
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(
            Math.ceil(Math.max(base * (1 + policy.jitterRatio), policy.maxRetryAfterMs)),
          );
        },
      ),
    );
  });

  it('without jitter, never waits less for a later attempt than for an earlier one', () => {
    fc.assert(
      fc.property(policyArb, (overrides) => {
        const policy = retryPolicy({
          ...overrides,
          jitterRatio: 0,
          maxAgeMs: Number.MAX_SAFE_INTEGER,
        });
        const delays = policy.scheduleMs.map(
          (_, n) => nextAttemptDelay(policy, { attemptsMade: n }) as number,
        );
        delays.forEach(
          (d, n) => n > 0 && expect(d).toBeGreaterThanOrEqual(delays[n - 1] as number),
        );
      }),
    );
  });

  it('keeps a whole retry sequence within the maximum age, whatever the jitter and Retry-After', () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.array(
          fc.tuple(
            randomArb,
            fc.option(fc.integer({ min: 0, max: 48 * HOUR }), { nil: undefined }),
          ),
          {
            minLength: 15,
            maxLength: 15,
          },
        ),
        (overrides, draws) => {
          const policy = retryPolicy(overrides);
          let elapsedMs = 0;
          for (let attemptsMade = 1; ; attemptsMade++) {
            const [r, retryAfterMs] = draws[attemptsMade - 1] ?? [0, undefined];
            const delay = nextAttemptDelay(policy, {
              attemptsMade,
              elapsedMs,
              retryAfterMs,
              random: () => r,
            });
            if (delay === null) break;
            elapsedMs += delay;
          }
          expect(elapsedMs).toBeLessThanOrEqual(policy.maxAgeMs);
        },
      ),
    );
  });
});
