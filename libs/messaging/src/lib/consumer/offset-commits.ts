/** Where a consumer group resumes reading one partition: the offset after the last one handled. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** How soon a failed commit is tried again when commits have no interval of their own. */
const RETRY_WITHOUT_INTERVAL_MS = 1000;

/**
 * Commits a consumer's handled offsets at most once per interval, where kafkajs commits after
 * every fetch. Each commit is a write to the broker's offsets log: at a few events per fetch,
 * commits were more than half of the broker's CPU (docs/benchmarks.md, "Offsets committed once
 * per interval"). What a crash leaves uncommitted is at most an interval of messages; they are
 * read again, and the inbox makes them change nothing. A stop, and a rebalance, commit at once.
 *
 * Commits run one at a time. One that fails keeps its offsets (unless newer ones came meanwhile)
 * and is tried again an interval later. Partitions the member no longer owns are dropped
 * (`retain`), and a commit that failed across that moment is not kept: what was pending for
 * them is not committed later. A commit can still land for a partition just handed over (kafkajs
 * retries a commit under the member's new generation); it only ever moves the offset back to a
 * handled message, so messages may be read twice, never skipped.
 */
export class OffsetCommits {
  private readonly pending = new Map<string, PartitionOffset>();
  private timer: NodeJS.Timeout | null = null;
  private committing: Promise<void> = Promise.resolve();
  /** Bumped at every `retain`: a commit that fails across it does not put its offsets back. */
  private generation = 0;
  private closed = false;

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
    if (this.closed) return Promise.resolve();
    this.pending.set(keyOf(topic, partition), {
      topic,
      partition,
      offset: (BigInt(offset) + 1n).toString(),
    });
    if (this.intervalMs === 0) return this.flush();
    this.schedule(this.intervalMs);
    return Promise.resolve();
  }

  /** Forgets what is pending for partitions the member no longer owns. */
  retain(owns: (topic: string, partition: number) => boolean): void {
    this.generation++;
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

  /** A last commit, then nothing more: no timer, no retry (the consumer is leaving its group). */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending.clear();
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    // A stop flushes; the timer alone must not keep a process alive.
    this.timer.unref();
  }

  private async commitPending(): Promise<void> {
    if (this.pending.size === 0) return;
    const offsets = [...this.pending.values()];
    const generation = this.generation;
    this.pending.clear();
    try {
      await this.commit(offsets);
    } catch (err) {
      if (generation === this.generation) {
        for (const o of offsets) {
          const key = keyOf(o.topic, o.partition);
          if (!this.pending.has(key)) this.pending.set(key, o);
        }
      }
      try {
        this.onError(err);
      } catch {
        // A failing report must not stop the commits that follow.
      }
      this.schedule(this.intervalMs || RETRY_WITHOUT_INTERVAL_MS);
    }
  }
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
