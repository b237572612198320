export interface BatcherOptions<T, R> {
  /** The most items one run takes; more wait for the next run. */
  readonly maxSize: number;
  /**
   * Does the work of many items at once (one transaction, one statement), answering one result
   * per item, in order. When it throws, every item of the run fails with that error.
   */
  readonly run: (items: readonly T[]) => Promise<readonly R[]>;
  /**
   * Whether a failed run is tried again one item at a time, so one bad item fails alone rather
   * than its whole batch (say, for any error that is not an outage).
   */
  readonly retryAlone?: (err: unknown) => boolean;
}

interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: callers add one item each and await its own result, while the items that
 * arrive together, or while a run is in progress, are done in one run. One run at a time, so
 * runs never contend with each other for the same rows; an idle batcher runs at the next turn
 * of the event loop, so a lone item waits for no timer.
 */
export class Batcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly options: BatcherOptions<T, R>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.runNext();
    });
  }

  private async runNext(): Promise<void> {
    if (this.running || this.queue.length === 0) return;
    this.running = true;
    const batch = this.queue.slice(0, this.options.maxSize);
    this.queue = this.queue.slice(batch.length);
    try {
      await this.settle(batch);
    } catch (err) {
      if (batch.length > 1 && this.options.retryAlone?.(err)) {
        for (const w of batch) await this.settle([w]).catch(w.reject);
      } else {
        for (const w of batch) w.reject(err);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  private async settle(batch: readonly Waiting<T, R>[]): Promise<void> {
    const results = await this.options.run(batch.map((w) => w.item));
    if (results.length !== batch.length) {
      throw new Error(`A batch of ${batch.length} answered ${results.length} results`);
    }
    batch.forEach((w, i) => w.resolve(results[i] as R));
  }
}
