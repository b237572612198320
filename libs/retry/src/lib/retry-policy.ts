const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

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
  /** Each delay is spread by up to ± this fraction, so failures of one burst do not retry together. */
  readonly jitterRatio: number;
  /** A `Retry-After` longer than this is capped to it. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  scheduleMs: DEFAULT_SCHEDULE_MS,
  jitterRatio: 0.1,
  maxRetryAfterMs: 10 * HOUR,
};

export class InvalidRetryPolicyError extends Error {
  override readonly name = 'InvalidRetryPolicyError';
}

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (policy.scheduleMs.length === 0 || policy.scheduleMs.some((d) => !(d >= 0))) {
    throw new InvalidRetryPolicyError(
      'A retry schedule needs at least one delay, each a non-negative number of milliseconds',
    );
  }
  if (!(policy.jitterRatio >= 0 && policy.jitterRatio < 1)) {
    throw new InvalidRetryPolicyError('jitterRatio must be at least 0 and below 1');
  }
  return policy;
}

/** Parses "0,5s,5m,30m,2h" (or plain milliseconds) into a schedule, for configuration. */
export function parseSchedule(text: string): number[] {
  const units: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, '': 1 };
  return text.split(',').map((raw) => {
    const match = /^\s*(\d+(?:\.\d+)?)(ms|s|m|h|)\s*$/.exec(raw);
    if (!match) {
      throw new InvalidRetryPolicyError(
        `"${raw}" is not a delay; write delays like 0,5s,5m,30m,2h (ms, s, m, h)`,
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
  /** A number in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
}

/** Milliseconds to wait before the next attempt, or null when the attempt budget is spent. */
export function nextAttemptDelay(policy: RetryPolicy, input: NextAttemptInput): number | null {
  const base = policy.scheduleMs[input.attemptsMade];
  if (base === undefined) return null;
  const random = input.random ?? Math.random;
  const jittered = base * (1 + policy.jitterRatio * (2 * random() - 1));
  const retryAfter = Math.min(input.retryAfterMs ?? 0, policy.maxRetryAfterMs);
  return Math.round(Math.max(jittered, retryAfter, 0));
}
