import { AsyncResource } from 'node:async_hooks';

export interface BatcherOptions<T, R> {
  /** The most items one run takes; more wait for the next run. */
  readonly maxSize: number;
  /**
   * The most weight one run takes, by `weightOf` (say, bytes of payload): a run stops adding
   * items before it would pass it, though it always takes one.
   */
  readonly maxWeight?: number;
  readonly weightOf?: (item: T) => number;
  /**
   * The most items waiting for a run. Past it `add` fails at once with `overloaded()`, so a
   * database that cannot keep up sheds load rather than queueing callers without bound.
   */
  readonly maxQueued?: number;
  readonly overloaded?: () => Error;
  /**
   * Does the work of many items at once (one transaction, one statement), answering one result
   * per item, in order. When it throws, every item of the run fails with that error.
   */
  readonly run: (items: readonly T[]) => Promise<readonly R[]>;
  /**
   * Whether a failed run is tried again one item at a time, so one bad item fails alone rather
   * than its whole batch (say, for a value or constraint the database refused: `isRowFault`).
   */
  readonly retryAlone?: (err: unknown) => boolean;
  /**
   * Whether a failed run (or an item's run alone) is run again as it was, up to twice more,
   * before its items fail: for a failure that was no item's fault and that another try may pass
   * (a deadlock: `isConflict`).
   */
  readonly retryTogether?: (err: unknown) => boolean;
}

/** Runs of a batch whose failure `retryTogether` accepts, the first included. */
const TRIES_TOGETHER = 3;

interface Waiting<T, R> {
  readonly item: T;
  /** `weightOf(item)`, taken when it was added: a run's slicing cannot fail. */
  readonly weight: number;
  /** The async context it was added in (a request's, a consumed event's). */
  readonly context: AsyncResource;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Group commit: callers add one item each and await its own result, while the items that
 * arrive together, or while a run is in progress, are done in one run. One run at a time, so
 * runs never contend with each other for the same rows; an idle batcher runs at the next turn
 * of the event loop, so a lone item waits for no timer. A run happens in the async context its
 * first item was added in: a lone item's statement is traced and logged with its request, as it
 * was before it was batched, and a batch's with one request of it (not with whichever caller
 * happened to schedule the run).
 */
export class Batcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private running = false;
  private scheduled = false;

  constructor(private readonly options: BatcherOptions<T, R>) {}

  add(item: T): Promise<R> {
    const { maxQueued, overloaded } = this.options;
    if (maxQueued !== undefined && this.queue.length >= maxQueued) {
      return Promise.reject(
        overloaded?.() ?? new Error(`${this.queue.length} items are waiting already`),
      );
    }
    return new Promise<R>((resolve, reject) => {
      const weight = this.options.weightOf?.(item) ?? 0;
      const context = new AsyncResource('Batcher.add');
      this.queue.push({ item, weight, context, resolve, reject });
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
    const batch = this.queue.slice(0, this.takeCount());
    this.queue = this.queue.slice(batch.length);
    try {
      await this.settleTrying(batch);
    } catch (err) {
      if (batch.length > 1 && this.options.retryAlone?.(err)) {
        for (const w of batch) await this.settleTrying([w]).catch(w.reject);
      } else {
        for (const w of batch) w.reject(err);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.schedule();
    }
  }

  /** How many of the waiting items the next run takes: by count, then by weight. */
  private takeCount(): number {
    const { maxSize, maxWeight } = this.options;
    const most = Math.min(maxSize, this.queue.length);
    if (maxWeight === undefined) return most;
    let weight = 0;
    for (let n = 0; n < most; n++) {
      weight += (this.queue[n] as Waiting<T, R>).weight;
      if (weight > maxWeight) return Math.max(1, n);
    }
    return most;
  }

  private async settleTrying(batch: readonly Waiting<T, R>[]): Promise<void> {
    for (let tries = 1; ; tries++) {
      try {
        return await this.settle(batch);
      } catch (err) {
        if (tries >= TRIES_TOGETHER || !this.options.retryTogether?.(err)) throw err;
      }
    }
  }

  private async settle(batch: readonly Waiting<T, R>[]): Promise<void> {
    const first = batch[0] as Waiting<T, R>;
    const results = await first.context.runInAsyncScope(() =>
      this.options.run(batch.map((w) => w.item)),
    );
    if (results.length !== batch.length) {
      throw new Error(`A batch of ${batch.length} answered ${results.length} results`);
    }
    batch.forEach((w, i) => w.resolve(results[i] as R));
  }
}
