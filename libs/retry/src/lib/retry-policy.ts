const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Delays before each attempt: the first is immediate, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [
  0,
  5 * SECOND,
  5 * MINUTE,
  30 * MINUTE,
  2 * HOUR,
  5 * HOUR,
  10 * HOUR,
  10 * HOUR,
];

export interface RetryPolicy {
  /** Delay before attempt n (index 0 is the first attempt); its length is the attempt budget. */
  readonly scheduleMs: readonly number[];
  /** Each delay is spread by up to ± this fraction, so a burst of failures does not retry in step. */
  readonly jitterRatio: number;
  /** A `Retry-After` longer than this is capped to it. */
  readonly maxRetryAfterMs: number;
  /** No attempt is scheduled later than this after the first one. */
  readonly maxAgeMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  scheduleMs: DEFAULT_SCHEDULE_MS,
  jitterRatio: 0.1,
  maxRetryAfterMs: 10 * HOUR,
  maxAgeMs: 3 * DAY,
};

export class InvalidRetryPolicyError extends Error {
  override readonly name = 'InvalidRetryPolicyError';
}

/** A policy from overrides of the default, checked: a bad one fails here, at configuration time. */
export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const { scheduleMs } = policy;
  if (scheduleMs.length === 0 || scheduleMs.some((d) => !Number.isFinite(d) || d < 0)) {
    throw new InvalidRetryPolicyError(
      'A retry schedule needs at least one delay, each a finite, non-negative number of milliseconds',
    );
  }
  if (scheduleMs.some((d, i) => i > 0 && d < (scheduleMs[i - 1] as number))) {
    throw new InvalidRetryPolicyError(
      `A retry schedule must not shrink: each delay at least the one before (got ${scheduleMs.join(', ')} ms)`,
    );
  }
  if (!(policy.jitterRatio >= 0 && policy.jitterRatio < 1)) {
    throw new InvalidRetryPolicyError('jitterRatio must be at least 0 and below 1');
  }
  if (!(policy.maxRetryAfterMs >= 0) || !(policy.maxAgeMs > 0)) {
    throw new InvalidRetryPolicyError('maxRetryAfterMs must be non-negative and maxAgeMs positive');
  }
  return policy;
}

/** Parses "0,5s,5m,30m,2h" (or plain milliseconds) into a schedule, for configuration. */
export function parseSchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, '': 1 };
  return text.split(',').map((raw) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|d|)\s*$/.exec(raw);
    if (!match) {
      throw new InvalidRetryPolicyError(
        `"${raw}" is not a delay; write delays like 0,5s,5m,30m,2h (ms, s, m, h, d)`,
      );
    }
    return Number(match[1]) * (units[match[2] ?? ''] ?? 1);
  });
}

export interface NextAttemptInput {
  /** Attempts already made, including the one that just failed. */
  readonly attemptsMade: number;
  /** The server's `Retry-After`, in milliseconds, already parsed. */
  readonly retryAfterMs?: number;
  /** Milliseconds since the first attempt; with maxAgeMs it decides when to give up. */
  readonly elapsedMs?: number;
  /** A number in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
}

/**
 * Milliseconds to wait before the next attempt, or null to give up: the attempt budget is
 * spent, or the next attempt would fall beyond maxAgeMs after the first.
 */
export function nextAttemptDelay(policy: RetryPolicy, input: NextAttemptInput): number | null {
  const base = policy.scheduleMs[input.attemptsMade];
  if (base === undefined) return null;
  const random = input.random ?? Math.random;
  const jittered = base * (1 + policy.jitterRatio * (2 * random() - 1));
  const retryAfter = Math.min(input.retryAfterMs ?? 0, policy.maxRetryAfterMs);
  const delay = Math.round(Math.max(jittered, retryAfter, 0));
  if ((input.elapsedMs ?? 0) + delay > policy.maxAgeMs) return null;
  return delay;
}
