import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

export interface VerifiedStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly payload: unknown;
}

export type StripeEventSource = 'webhook' | 'reconciliation';

export const STRIPE_EVENT_STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

/** The channel a stored event is announced on, so every instance's processor wakes for it. */
export function storedEventsChannel(schema: string): string {
  return `${schema}_stripe_events`;
}

/** A stored event claimed for processing, locked until the claiming transaction ends. */
export interface ClaimedStripeEvent {
  readonly id: string;
  /** bigint, as Postgres returns it: half of the primary key. */
  readonly created: string;
  readonly payload: unknown;
  readonly attempts: number;
}

export interface StoredStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly status: StripeEventStatus;
  readonly source: StripeEventSource;
  readonly attempts: number;
  readonly last_error: string | null;
  readonly received_at: Date;
  readonly processed_at: Date | null;
  /** received_at to the microsecond, as text: a page's key (a Date keeps only milliseconds). */
  readonly received_key: string;
  readonly payload?: unknown;
}

export interface StripeEventFilter {
  readonly status?: StripeEventStatus;
  readonly type?: string;
  /** The key of the last event of the previous page: [received_key, id]. */
  readonly after?: readonly [string, string];
}

const LISTED_COLUMNS = `id, type, status, source, attempts, last_error, received_at, processed_at,
  to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_key`;

/**
 * stripe_events: the durable record of every verified Stripe event, one row per Stripe event id,
 * from intake through processing to operators' replays. Whatever makes an event due announces it
 * on storedEventsChannel in the same statement, so every instance's processor wakes at commit.
 */
@Injectable()
export class StripeEventsRepository {
  private readonly channel: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {
    this.channel = storedEventsChannel(sql.schemaName);
  }

  private get table(): string {
    return `${this.sql.schema}.stripe_events`;
  }

  /**
   * Commits the event before returning; a second delivery of the same id changes nothing. The
   * table is partitioned by `created`, which Stripe sends unchanged with every delivery of an
   * id, so (id, created) is as unique as the id.
   */
  async store(
    event: VerifiedStripeEvent,
    source: StripeEventSource,
  ): Promise<'stored' | 'duplicate'> {
    // RETURNING runs only for an inserted row: a duplicate wakes nobody.
    const stored = await this.sql.rows(
      this.dataSource.manager,
      `INSERT INTO ${this.table} (id, type, created, livemode, payload, source)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id, created) DO NOTHING
       RETURNING id, pg_notify($7, '') IS NULL AS announced`,
      [
        event.id,
        event.type,
        event.created,
        event.livemode,
        JSON.stringify(event.payload),
        source,
        this.channel,
      ],
    );
    return stored.length === 1 ? 'stored' : 'duplicate';
  }

  /** The oldest due event, locked; SKIP LOCKED lets instances claim side by side. */
  async claimDue(db: EntityManager): Promise<ClaimedStripeEvent | undefined> {
    return this.sql.first<ClaimedStripeEvent>(
      db,
      `SELECT id, created, payload, attempts FROM ${this.table}
       WHERE status = 'received' AND next_attempt_at <= now()
       ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
  }

  async markDone(
    db: EntityManager,
    event: ClaimedStripeEvent,
    outcome: { status: 'processed' | 'ignored'; reason: string | null },
  ): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.table}
       SET status = $2, last_error = $3, attempts = attempts + 1, processed_at = now()
       WHERE id = $1 AND created = $4`,
      [event.id, outcome.status, outcome.reason, event.created],
    );
  }

  /** Records a failed attempt: due again after `retryInMs`, or parked as failed when null. */
  async markFailed(
    db: EntityManager,
    event: ClaimedStripeEvent,
    failure: { attempts: number; error: string; retryInMs: number | null },
  ): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.table}
       SET attempts = $2, last_error = $3,
           status = CASE WHEN $4::bigint IS NULL THEN 'failed' ELSE 'received' END,
           next_attempt_at = now() + make_interval(secs => COALESCE($4::bigint, 0) / 1000.0)
       WHERE id = $1 AND created = $5`,
      [event.id, failure.attempts, failure.error, failure.retryInMs, event.created],
    );
  }

  /** Charges and disputes that arrived before their PaymentIntent was known: due now. */
  async makeDueEventsOf(db: EntityManager, paymentIntentId: string): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.table} SET next_attempt_at = now()
       WHERE status = 'received' AND payload->'data'->'object'->>'payment_intent' = $1`,
      [paymentIntentId],
    );
  }

  /** Newest first, at most `take` events after the filter's key. */
  async list(filter: StripeEventFilter, take: number): Promise<StoredStripeEvent[]> {
    const [afterKey, afterId] = filter.after ?? [null, null];
    return this.sql.rows<StoredStripeEvent>(
      this.dataSource.manager,
      `SELECT ${LISTED_COLUMNS} FROM ${this.table}
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)
         AND ($3::timestamptz IS NULL OR (received_at, id) < ($3::timestamptz, $4::text))
       ORDER BY received_at DESC, id DESC LIMIT $5`,
      [filter.status ?? null, filter.type ?? null, afterKey, afterId, take],
    );
  }

  async find(id: string): Promise<StoredStripeEvent | undefined> {
    return this.sql.first<StoredStripeEvent>(
      this.dataSource.manager,
      `SELECT ${LISTED_COLUMNS}, payload FROM ${this.table} WHERE id = $1`,
      [id],
    );
  }

  /** Makes the event due again, announced to every instance; false when there is none. */
  async replay(id: string): Promise<boolean> {
    const replayed = await this.sql.rows(
      this.dataSource.manager,
      `UPDATE ${this.table}
       SET status = 'received', attempts = 0, next_attempt_at = now(), last_error = NULL
       WHERE id = $1 RETURNING id, pg_notify($2, '') IS NULL AS announced`,
      [id, this.channel],
    );
    return replayed.length > 0;
  }

  /** Makes every event received in [from, to) due again, announced once; how many. */
  async replayReceivedBetween(range: {
    from: string;
    to: string;
    status?: StripeEventStatus;
  }): Promise<number> {
    // One notification for the lot, and only when something became due.
    const counted = await this.sql.first<{ replayed: number }>(
      this.dataSource.manager,
      `WITH replayed AS (
         UPDATE ${this.table}
         SET status = 'received', attempts = 0, next_attempt_at = now(), last_error = NULL
         WHERE received_at >= $1 AND received_at < $2 AND ($3::text IS NULL OR status = $3)
         RETURNING id
       )
       SELECT count(*)::int AS replayed,
              CASE WHEN count(*) > 0 THEN pg_notify($4, '') IS NULL END AS announced
       FROM replayed`,
      [range.from, range.to, range.status ?? null, this.channel],
    );
    return counted?.replayed ?? 0;
  }
}
