import { Client } from 'pg';
import { type EventPublisher } from '../event-publisher';
import { type TopicMessages } from '../external/kafka.interface';
import { outboxChannel, quoteIdent } from '../messaging-ddl';
import { PollingLoop } from '../polling-loop';
import { sleepUnless } from '../wakeable-sleep';
import { type WakeUps } from '../wake-ups';
import { markFailed, SpanKind, startSpan, tracingOn } from '../tracing/spans';
import { PublishedMarks } from './published-marks';

/** How long sent rows wait to be marked published together (see `PublishedMarks`). */
const MARK_DELAY_MS = 100;
/** How long a round under load waits for more rows before reading the outbox (`lingerMs`). */
const LINGER_MS = 5;
/** A batch of more than one row sent this recently means load: the next round lingers. */
const LOAD_WINDOW_MS = 100;
/**
 * Sent rows marked at once when this many wait. Small: until marked, every read leaves them out
 * by id, one comparison each per row it looks at.
 */
const MARK_LIMIT = 64;

export interface OutboxRelayOptions {
  readonly schema: string;
  /** Connection string for the relay's own session: it holds the leader lock and LISTENs. */
  readonly connectionString: string;
  /** While this relay leads, it serves the outbox channel here: this instance's writes wake it. */
  readonly wakeUps: WakeUps;
  readonly topicName: (logicalTopic: string) => string;
  readonly batchSize?: number;
  /** Upper bound on the wait between drains when no notification arrives. */
  readonly pollIntervalMs?: number;
  readonly onError?: (err: unknown, info?: { outage: boolean; waitMs: number }) => void;
  /** How long sent rows wait to be marked published together (100 ms unless set). */
  readonly markDelayMs?: number;
  /**
   * How long a round waits before reading the outbox under load (5 ms unless set; 0 never
   * waits), as Kafka's own producers linger 5 ms since Kafka 4.0. Load is a batch of more than
   * one row, less than a full one, sent within the last 100 ms: the rows committed meanwhile go
   * out in the same produce request, and Kafka's cost and the producer's are mostly per request
   * (in the orders benchmark, half the requests and a sixth less CPU per order). An event after
   * a lone one, or after a quiet spell, goes at once, and so does a known backlog (after a full
   * batch).
   */
  readonly lingerMs?: number;
  /**
   * How recently a batch of more than one row must have gone out for the next round to linger
   * (100 ms unless set; see `lingerMs`).
   */
  readonly loadWindowMs?: number;
  /** A batch went out: how many rows per logical topic, and how long Kafka took to take them. */
  readonly onPublished?: (published: PublishedBatch) => void;
}

export interface PublishedBatch {
  readonly rowsByTopic: ReadonlyMap<string, number>;
  readonly seconds: number;
}

interface OutboxRow {
  event_id: string;
  topic: string;
  message_key: string;
  payload: string;
  headers: Record<string, string>;
}

/**
 * Publishes committed outbox rows to Kafka in position order. Rows are selected by
 * `published_at IS NULL`, never by "after the last position seen", so a row whose transaction
 * commits after a higher-numbered one is still published. One relay per schema is active:
 * it holds a session advisory lock; a standby takes over when the leader's session ends.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private session: Client | null = null;
  private readonly loop: PollingLoop;
  private leader = false;
  private unserve: (() => void) | null = null;
  private readonly marks: PublishedMarks;
  /** A mark that failed, thrown by the next drain so the round backs off like any failure. */
  private markFailure: unknown = null;
  /** Rows of the last batch sent, and when: see `lingerMs`. */
  private lastBatch = { rows: 0, at: 0 };
  /** Cuts a linger short when the relay stops. */
  private stopping = new AbortController();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly options: OutboxRelayOptions,
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.loop = new PollingLoop({
      intervalMs: this.pollIntervalMs,
      work: () => this.round(),
      onError: (err, info) => this.options.onError?.(err, info),
    });
    this.marks = new PublishedMarks((ids, at) => this.markPublished(ids, at), {
      delayMs: options.markDelayMs ?? MARK_DELAY_MS,
      limit: Math.min(MARK_LIMIT, this.batchSize),
      // Its rows are read and sent again: without a pause, a mark failing at every try (a
      // read-only database) would resend them in a loop.
      onError: (err) => {
        this.markFailure ??= err;
      },
    });
  }

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    this.stopping = new AbortController();
    this.loop.start();
  }

  /**
   * Stops after the batch in flight and a last drain, so nothing committed stays unsent.
   * Bounded: with the broker unreachable, rows stay in the outbox for the next start.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.loop.isRunning) return;
    this.stopping.abort();
    const finish = (async () => {
      try {
        await this.loop.stop();
        if (this.leader) await this.drain(false);
      } finally {
        // What Kafka took is marked even when the last drain failed or ran out of time.
        await this.marks.flush();
      }
    })();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([finish, deadline]).catch((err) => this.options.onError?.(err));
    clearTimeout(timer);
    if (this.markFailure !== null) this.options.onError?.(this.markFailure);
    this.markFailure = null;
    await this.closeSession();
  }

  /** Leads if it can, and publishes if it leads; a failure ends the session (and leadership). */
  private async round(): Promise<boolean> {
    try {
      if (!this.leader) await this.tryToLead();
      if (!this.leader) return false;
      await this.lingerUnderLoad();
      return await this.drain(true);
    } catch (err) {
      // Rows Kafka already took are marked while the session may still answer (a broker error
      // leaves Postgres fine): dropped with the session, they would all go out again.
      await this.marks.flush();
      this.markFailure = null;
      await this.closeSession();
      throw err;
    }
  }

  private async lingerUnderLoad(): Promise<void> {
    const lingerMs = this.options.lingerMs ?? LINGER_MS;
    const { rows, at } = this.lastBatch;
    const window = this.options.loadWindowMs ?? LOAD_WINDOW_MS;
    const underLoad = rows > 1 && rows < this.batchSize && performance.now() - at <= window;
    if (underLoad && lingerMs > 0) await sleepUnless(lingerMs, this.stopping.signal);
  }

  private async tryToLead(): Promise<void> {
    if (!this.session) {
      const session = new Client({
        connectionString: this.options.connectionString,
        application_name: `switchyard-outbox-relay:${this.options.schema}`,
      });
      session.on('error', (err) => {
        this.options.onError?.(err);
        this.leader = false;
        this.session = null;
        this.unserve?.();
        this.unserve = null;
      });
      session.on('notification', () => this.loop.wake());
      await session.connect();
      await session.query(RELAY_SESSION_SETTINGS);
      this.session = session;
    }
    const lockKey = `switchyard.outbox-relay.${this.options.schema}`;
    const result = await this.session.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [lockKey],
    );
    if (result.rows[0]?.locked) {
      const channel = outboxChannel(this.options.schema);
      await this.session.query(`LISTEN ${quoteIdent(channel)}`);
      this.leader = true;
      this.unserve = this.options.wakeUps.serve(channel, () => this.loop.wake());
    }
  }

  /** Publishes committed rows a batch at a time; true when a full batch suggests more are due. */
  private async drain(oneBatch: boolean): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    const due = dueRowsStatement(this.options.schema, this.batchSize);
    for (;;) {
      this.throwMarkFailure();
      const { rows } = await session.query<OutboxRow>({ ...due, values: [this.marks.pending] });
      if (rows.length === 0) return false;
      const started = performance.now();
      await this.publishTraced(rows);
      this.lastBatch = { rows: rows.length, at: performance.now() };
      const seconds = (performance.now() - started) / 1000;
      await this.marks.add(
        rows.map((r) => r.event_id),
        new Date(),
      );
      this.options.onPublished?.({ rowsByTopic: countByTopic(rows), seconds });
      this.throwMarkFailure();
      if (rows.length < this.batchSize) return false;
      if (oneBatch) return true;
    }
  }

  private throwMarkFailure(): void {
    const failure = this.markFailure;
    if (failure === null) return;
    this.markFailure = null;
    throw failure;
  }

  /** Marks sent rows published, each at the time Kafka took it. */
  private async markPublished(eventIds: readonly string[], at: readonly Date[]): Promise<void> {
    const session = this.session;
    // No session, no leadership: whoever leads next publishes these rows again.
    if (!session) return;
    const s = quoteIdent(this.options.schema);
    // By event id, the partition key, as a separate = ANY: each row is found in its own
    // partition, where the join alone would probe every one. Planned for its values (unnamed),
    // as every batch lookup is (`StatementOptions.planForValues`).
    await session.query({
      text: `UPDATE ${s}.outbox o SET published_at = m.at
         FROM unnest($1::uuid[], $2::timestamptz[]) AS m(event_id, at)
         WHERE o.event_id = m.event_id AND o.event_id = ANY($1::uuid[])`,
      values: [eventIds, at],
    });
  }

  /**
   * Sends a batch, with a producer span per event under the event's own trace (its `traceparent`
   * header), so a trace shows when each event left the outbox and how long Kafka took.
   */
  private async publishTraced(rows: OutboxRow[]): Promise<void> {
    if (!tracingOn()) return this.publisher.sendBatch(this.toTopicMessages(rows));
    const spans = rows.map((row) =>
      startSpan(`publish ${row.topic}`, row.headers['traceparent'], SpanKind.PRODUCER, {
        'messaging.system': 'kafka',
        'messaging.destination.name': this.options.topicName(row.topic),
        'messaging.message.id': row.event_id,
      }),
    );
    try {
      await this.publisher.sendBatch(this.toTopicMessages(rows));
    } catch (err) {
      for (const span of spans) markFailed(span, err);
      throw err;
    } finally {
      for (const span of spans) span.end();
    }
  }

  private toTopicMessages(rows: OutboxRow[]): TopicMessages[] {
    const byTopic = new Map<string, TopicMessages>();
    for (const row of rows) {
      const topic = this.options.topicName(row.topic);
      const entry = byTopic.get(topic) ?? { topic, messages: [] };
      entry.messages.push({ key: row.message_key, value: row.payload, headers: row.headers });
      byTopic.set(topic, entry);
    }
    return [...byTopic.values()];
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = null;
    this.leader = false;
    this.lastBatch = { rows: 0, at: 0 };
    this.marks.drop();
    this.unserve?.();
    this.unserve = null;
    // Ending the session releases the advisory lock, so a standby can take over at once.
    await session?.end().catch(() => undefined);
  }
}

/**
 * The relay's session, set once. Marking rows published need not wait for the WAL flush: a mark
 * lost to a Postgres crash only publishes the row again, and every consumer's inbox drops the
 * duplicate. No bitmap scans: a row marked published leaves a dead entry in the index of
 * unpublished rows until a vacuum, and a bitmap scan reads every such entry and its row's page at
 * every read, never learning they are dead (2,000-35,000 entries, 3.4 ms, to read 30 due rows in
 * the end-to-end benchmark at 1,000/s). A plain index scan marks each one dead the first time, so
 * the next read passes over it in the index alone.
 */
export const RELAY_SESSION_SETTINGS = 'SET synchronous_commit = off; SET enable_bitmapscan = off';

/**
 * The relay's read of due rows. On the leader's own session, as a named statement: Postgres plans
 * it once, where planning at every round (over every partition) cost more than running it. Rows
 * sent and not yet marked published are left out by their ids, through a subquery: as
 * `<> ALL($1)`, a round planned for its values estimated each id against each partition (3-4.5 ms
 * of planning for a few hundred ids, against 0.2-0.4 ms running it).
 */
export function dueRowsStatement(
  schema: string,
  batchSize: number,
): { name: string; text: string } {
  const s = quoteIdent(schema);
  return {
    name: `outbox-due-${schema}`,
    text: `SELECT event_id, topic, message_key, payload, headers FROM ${s}.outbox
         WHERE published_at IS NULL AND event_id NOT IN (SELECT unnest($1::uuid[]))
         ORDER BY position LIMIT ${Math.trunc(batchSize)}`,
  };
}

function countByTopic(rows: readonly OutboxRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.topic, (counts.get(row.topic) ?? 0) + 1);
  return counts;
}
