/** Marks rows published, given their event ids and when Kafka took each. */
export type MarkPublished = (eventIds: readonly string[], at: readonly Date[]) => Promise<void>;

/**
 * The rows the relay has sent and not yet marked published, marked together: once `delayMs`
 * after the first of them, or at once when `limit` wait. At a low rate each event used to cost its
 * own mark statement; 50 events a second now share about one every tenth of a second. Until
 * marked, a row is left out of the relay's reads by its id (`pending`). A mark lost with the
 * process or the session only publishes its rows again, which every consumer's inbox drops.
 */
export class PublishedMarks {
  private ids: string[] = [];
  private times: Date[] = [];
  /** Taken to be marked: still left out of reads until their mark is done. */
  private readonly inFlight = new Set<readonly string[]>();
  private timer: NodeJS.Timeout | null = null;
  private marking: Promise<void> = Promise.resolve();

  constructor(
    private readonly mark: MarkPublished,
    private readonly options: {
      readonly delayMs: number;
      readonly limit: number;
      /** A mark failed: its rows are published again by the next read. */
      readonly onError: (err: unknown) => void;
    },
  ) {}

  /** The event ids sent and not yet marked, to leave out of the next read. */
  get pending(): readonly string[] {
    if (this.inFlight.size === 0) return this.ids;
    return [...[...this.inFlight].flat(), ...this.ids];
  }

  /** Rows Kafka took at `at`; marked within `delayMs`, or now if `limit` are waiting. */
  add(eventIds: readonly string[], at: Date): Promise<void> {
    for (const id of eventIds) {
      this.ids.push(id);
      this.times.push(at);
    }
    if (this.ids.length >= this.options.limit) return this.flush();
    this.timer ??= setTimeout(() => void this.flush(), this.options.delayMs).unref();
    return Promise.resolve();
  }

  /** Marks everything waiting now; resolves once it (and any mark before it) is done. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const ids = this.ids;
    const times = this.times;
    this.ids = [];
    this.times = [];
    if (ids.length === 0) return this.marking;
    this.inFlight.add(ids);
    this.marking = this.marking.then(async () => {
      try {
        await this.mark(ids, times);
      } catch (err) {
        this.options.onError(err);
      } finally {
        this.inFlight.delete(ids);
      }
    });
    return this.marking;
  }

  /** Forgets what is waiting (the session is gone: whoever leads next publishes it again). */
  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.ids = [];
    this.times = [];
  }
}
