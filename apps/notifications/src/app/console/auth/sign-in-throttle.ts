/**
 * Failed sign-ins per client address over a sliding window, in this instance's memory: guessing
 * passwords of many accounts from one address slows to `limit` tries per window. (Each account
 * also locks after failures in a row, in the database: OperatorRepository.recordFailure.)
 */
export class SignInThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxAddresses = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** When `address` may try again, or null when it may now. */
  blockedUntil(address: string): Date | null {
    const recent = this.recent(address);
    return recent.length >= this.limit ? new Date((recent[0] as number) + this.windowMs) : null;
  }

  recordFailure(address: string): void {
    const recent = this.recent(address);
    recent.push(this.now());
    // Re-inserted last, so the first key is the address that failed longest ago.
    this.failures.delete(address);
    this.failures.set(address, recent);
    if (this.failures.size > this.maxAddresses) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }

  private recent(address: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(address) ?? []).filter((at) => at > since);
  }
}
