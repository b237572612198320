/** Where a consumer group resumes reading one partition: the offset after the last one handled. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Commits a consumer's handled offsets at most once per interval, where kafkajs commits after
 * every fetch. Each commit is a write to the broker's offsets log: at a few events per fetch,
 * commits were more than half of the broker's CPU (docs/benchmarks.md, "Offsets committed once
 * per interval"). What a crash leaves uncommitted is at most an interval of messages; they are
 * read again and the inbox makes them change nothing. A stop, and a rebalance, commit at once.
 *
 * Commits run one at a time. One that fails keeps its offsets (unless newer ones came meanwhile)
 * and is tried again an interval later; partitions the member no longer owns are dropped
 * (`retain`), so it never retries a commit for a partition another member now reads.
 */
export class OffsetCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly commit: (offsets: readonly PartitionOffset[]) => Promise<void>,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /**
   * `offset` of `partition` is handled, with everything before it. With an interval of 0 the
   * returned promise settles once it is committed (kafkajs's own behaviour); otherwise at once.
   */
  handled(topic: string, partition: number, offset: string): Promise<void> {
    this.pending.set(keyOf(topic, partition), {
      topic,
      partition,
      offset: (BigInt(offset) + 1n).toString(),
    });
    if (this.intervalMs === 0) return this.flush();
    this.schedule();
    return Promise.resolve();
  }

  /** Forgets what is pending for partitions the member no longer owns. */
  retain(owns: (topic: string, partition: number) => boolean): void {
    for (const [key, { topic, partition }] of this.pending) {
      if (!owns(topic, partition)) this.pending.delete(key);
    }
  }

  /** Commits what is pending now; settles when done (a failure goes to `onError`, not here). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.committing = this.committing.then(() => this.commitPending());
    return this.committing;
  }

  private schedule(): void {
    if (this.timer || this.intervalMs === 0) return;
    this.timer = setTimeout(() => void this.flush(), this.intervalMs);
    // A stop flushes; the timer alone must not keep a process alive.
    this.timer.unref();
  }

  private async commitPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    this.pending.clear();
    try {
      await this.commit(offsets);
    } catch (err) {
      for (const o of offsets) {
        const key = keyOf(o.topic, o.partition);
        if (!this.pending.has(key)) this.pending.set(key, o);
      }
      this.onError(err);
      this.schedule();
    }
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
