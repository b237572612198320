import { Injectable } from '@nestjs/common';
import { WakeUps, type WritePart } from '@switchyard/messaging';
import { integerLiteral, RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

export interface VerifiedStripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly payload: unknown;
  /**
   * The payload as the JSON text Stripe signed, when it came that way: stored as it is, so its
   * numbers keep every digit JavaScript's would lose, and it is not serialised a second time.
   */
  readonly payloadJson?: string;
}

export type StripeEventSource = 'webhook' | 'reconciliation';

/** A verified event as its row is written. */
export interface StripeEventRow {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly payloadJson: string;
  readonly source: StripeEventSource;
  /** The trace of the request that brought it, when tracing is on. */
  readonly traceparent: string | null;
}

export const STRIPE_EVENT_STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;
export type StripeEventStatus = (typeof STRIPE_EVENT_STATUSES)[number];

/** The channel a stored event is announced on (`WakeUps`), so a processor wakes for it. */
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
  /** When intake stored it: processing lag is measured from here. */
  readonly received_at: Date;
  /** The trace of the webhook request that stored it, when tracing was on. */
  readonly traceparent: string | null;
  /** The PaymentIntent it is about, where it names one. */
  readonly payment_intent_id: string | null;
  /**
   * The keys of its PaymentIntent's other events still to be processed when it was claimed (ids,
   * and `created` alike), null when there were none: among them any that wait for the
   * PaymentIntent's first event, which this one may be (`makeDue`).
   */
  readonly other_ids: string[] | null;
  readonly other_created: string[] | null;
}

/** A stored event's key: its id and `created`, the partition key. */
export interface StripeEventKey {
  readonly id: string;
  readonly created: string;
}

/**
 * What a claim also locks and reads, in its own statement, for the events it may apply now:
 * CTEs that read `verdicts` (the claimed rows, each with its `payment_intent_id` and whether it
 * is `held_back`), and the columns (`Row`) and joins they add to each claimed row `v`.
 * Parameterless, like the claim, so that Postgres keeps one plan for the whole.
 */
export interface ClaimAlso<Row extends object = object> {
  readonly ctes: string;
  readonly columns: string;
  readonly joins: string;
  /** Never set: ties the columns' type to the part, so a claim's rows are typed by it. */
  readonly row?: Row;
}

/** A claim's events, and what it locked and left out (see `claimDue`). */
export interface StripeEventClaim<Also extends object = object> {
  readonly events: (ClaimedStripeEvent & Also)[];
  /** Rows locked: the limit when more may be due. */
  readonly locked: number;
  /** Locked but left out: an earlier event of their PaymentIntent is another transaction's. */
  readonly heldBack: number;
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
  /** Events about this order: its id in the PaymentIntent's metadata, as checkout sets it. */
  readonly orderId?: string;
  /** The key of the last event of the previous page: [received_key, id]. */
  readonly after?: readonly [string, string];
}

/**
 * The PaymentIntent an event is about, as the mapper reads it: the object itself for a
 * PaymentIntent's events, the one it points at (by id or expanded) for a charge, a dispute or a
 * checkout session; null for events about no PaymentIntent.
 */
const PAYMENT_INTENT_OF = `CASE WHEN type LIKE 'payment\\_intent.%' THEN payload->'data'->'object'->>'id'
  ELSE COALESCE(payload->'data'->'object'->'payment_intent'->>'id',
                payload->'data'->'object'->>'payment_intent') END`;

/** A claimed row without the claim's own verdict on it. */
function claimedOf<Also extends object>({
  held_back: _heldBack,
  ...event
}: ClaimedStripeEvent & Also & { held_back: boolean }): ClaimedStripeEvent & Also {
  return event as ClaimedStripeEvent & Also;
}

/** The text of `StripeEventsRepository.claimDue`'s statement. */
export function dueClaimStatement(table: string, limit: number, also?: ClaimAlso): string {
  // The limit is in the text, so the plan Postgres keeps for this claim knows it.
  return claimStatement(
    table,
    `status = 'received' AND next_attempt_at <= now() ORDER BY received_at, id LIMIT ${integerLiteral(limit)}`,
    also,
  );
}

/**
 * A claim of the events `which` selects (a condition, and an order and a limit) from `table`:
 * locks them, each marked `held_back` unless it may be applied now, with the keys of its
 * PaymentIntent's other events to be processed, and with what `also` adds. An event is held back
 * (locked until the transaction ends, then due as before) while an earlier due event of its
 * PaymentIntent is not among them: another transaction holds that one, and applying this one
 * first would apply the PaymentIntent's events out of order. Both are seen in one snapshot,
 * before this transaction waits for any PaymentIntent's state (in `also`, or in a later
 * statement); the state lock then keeps the holder and this transaction from applying their
 * events at once.
 */
function claimStatement(table: string, which: string, also?: ClaimAlso): string {
  return `WITH claimed AS MATERIALIZED (
         SELECT id, created, payload, attempts, received_at, traceparent, ${PAYMENT_INTENT_OF} AS payment_intent_id
         FROM ${table} WHERE ${which} FOR UPDATE SKIP LOCKED
       ), others AS (
         SELECT ${PAYMENT_INTENT_OF} AS payment_intent_id,
                min(received_at) FILTER (WHERE next_attempt_at <= now()) AS first_due_at,
                array_agg(id) AS other_ids, array_agg(created) AS other_created
         FROM ${table}
         WHERE status = 'received'
           AND ${PAYMENT_INTENT_OF} = ANY (ARRAY(SELECT payment_intent_id FROM claimed))
           AND id NOT IN (SELECT id FROM claimed)
         GROUP BY 1
       ), verdicts AS MATERIALIZED (
         SELECT c.id, c.created, c.payload, c.attempts, c.received_at, c.traceparent, c.payment_intent_id,
                o.other_ids, o.other_created,
                o.first_due_at IS NOT NULL AND o.first_due_at < c.received_at AS held_back
         FROM claimed c
         LEFT JOIN others o ON o.payment_intent_id = c.payment_intent_id
       )${also ? `, ${also.ctes}` : ''}
       SELECT v.*${also ? `, ${also.columns}` : ''}
       FROM verdicts v ${also?.joins ?? ''}
       ORDER BY v.received_at, v.id`;
}

const LISTED_COLUMNS = `id, type, status, source, attempts, last_error, received_at, processed_at,
  to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_key`;

/**
 * stripe_events: the durable record of every verified Stripe event, one row per Stripe event id,
 * from intake through processing to operators' replays. Whatever makes an event due announces it
 * on storedEventsChannel once committed, so a processor wakes for it.
 */
@Injectable()
export class StripeEventsRepository {
  private readonly channel: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
    private readonly wakeUps: WakeUps,
  ) {
    this.channel = storedEventsChannel(sql.schemaName);
  }

  private get table(): string {
    return `${this.sql.schema}.stripe_events`;
  }

  /**
   * Commits the events before returning, in one statement, and answers for each whether it was
   * stored or had been before: a second delivery of an id changes nothing, and of one id given
   * twice here the first is stored. The table is partitioned by `created`, which Stripe sends
   * unchanged with every delivery of an id, so (id, created) is as unique as the id.
   */
  async storeMany(events: readonly StripeEventRow[]): Promise<('stored' | 'duplicate')[]> {
    // RETURNING answers only for inserted rows: duplicates wake nobody. Rows go in key order, so
    // two instances storing the same events never wait for each other's (a deadlock).
    const stored = await this.sql.rows<{ id: string; created: string }>(
      this.dataSource.manager,
      `INSERT INTO ${this.table} (id, type, created, livemode, payload, source, traceparent)
       SELECT id, type, created, livemode, payload, source, traceparent
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::boolean[], $5::jsonb[], $6::text[],
                   $7::text[]) WITH ORDINALITY
         AS e(id, type, created, livemode, payload, source, traceparent, n)
       ORDER BY created, id, n
       ON CONFLICT (id, created) DO NOTHING
       RETURNING id, created`,
      [
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => e.created),
        events.map((e) => e.livemode),
        events.map((e) => e.payloadJson),
        events.map((e) => e.source),
        events.map((e) => e.traceparent),
      ],
    );
    if (stored.length > 0) this.wakeUps.announce(this.channel);
    const inserted = new Set(stored.map((r) => `${r.created} ${r.id}`));
    return events.map((e) => (inserted.delete(`${e.created} ${e.id}`) ? 'stored' : 'duplicate'));
  }

  /**
   * The oldest due events, at most `limit`, locked; SKIP LOCKED lets instances claim side by side.
   * See claim for the ones left out. `also` adds what the caller locks with them in the same
   * statement: a round trip fewer for every batch.
   */
  async claimDue<Also extends object = object>(
    db: EntityManager,
    limit: number,
    also?: ClaimAlso<Also>,
  ): Promise<StripeEventClaim<Also>> {
    const rows = await this.claim<Also>(db, dueClaimStatement(this.table, limit, also), []);
    const events = rows.filter((r) => !r.held_back).map((r) => claimedOf<Also>(r));
    return { events, locked: rows.length, heldBack: rows.length - events.length };
  }

  /** Claims an event again, alone, if it is still due and nobody holds it. */
  async claimAgain(
    db: EntityManager,
    event: ClaimedStripeEvent,
  ): Promise<ClaimedStripeEvent | undefined> {
    const [claimed] = await this.claim(
      db,
      claimStatement(
        this.table,
        `id = $1 AND created = $2 AND status = 'received' AND next_attempt_at <= now()`,
      ),
      [event.id, event.created],
    );
    return claimed && !claimed.held_back ? claimedOf(claimed) : undefined;
  }

  /** The rows of a claim's statement (`claimStatement`). */
  private async claim<Also extends object = object>(
    db: EntityManager,
    text: string,
    params: readonly unknown[],
  ): Promise<(ClaimedStripeEvent & Also & { held_back: boolean })[]> {
    return this.sql.rows<ClaimedStripeEvent & Also & { held_back: boolean }>(db, text, params);
  }

  /**
   * Marks claimed events done, as a part of the statement that writes the rest of their batch
   * (`writeTogether`); null when there are none.
   */
  markDone(
    done: readonly {
      readonly event: ClaimedStripeEvent;
      readonly status: 'processed' | 'ignored';
      readonly reason: string | null;
    }[],
  ): WritePart | null {
    if (done.length === 0) return null;
    // `created` is the partition key: as a separate = ANY it lets Postgres plan only the weeks
    // the batch holds, where the join alone plans (and probes) every partition; planned for the
    // batch's values, not once for any batch, so that it can.
    return {
      text: `UPDATE ${this.table} e
       SET status = d.status, last_error = d.reason, attempts = e.attempts + 1, processed_at = now()
       FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS d(id, created, status, reason)
       WHERE e.id = d.id AND e.created = d.created AND e.created = ANY($2::bigint[]) RETURNING 1`,
      params: [
        done.map((d) => d.event.id),
        done.map((d) => d.event.created),
        done.map((d) => d.status),
        done.map((d) => d.reason),
      ],
      planForValues: true,
    };
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

  /**
   * Events that arrived before their PaymentIntents were known (charges, disputes), by their keys
   * as their PaymentIntents' first events' claims found them (`other_ids`): due now, a row each.
   * A part of a statement (`writeTogether`); null when there are none. By key, the statement reads
   * only them, where matching the PaymentIntent read every event waiting to be processed; and a
   * batch with no such events, the usual one, has no statement to make.
   */
  makeDue(events: readonly StripeEventKey[]): WritePart | null {
    if (events.length === 0) return null;
    // One holding them (an instance that is failing one for want of its PaymentIntent) is waited
    // for: its failure then becomes due now too.
    return {
      text: `UPDATE ${this.table} e SET next_attempt_at = now()
       FROM unnest($1::text[], $2::bigint[]) AS k(id, created)
       WHERE e.id = k.id AND e.created = k.created AND e.created = ANY($2::bigint[])
         AND e.status = 'received'
       RETURNING 1`,
      params: [events.map((e) => e.id), events.map((e) => e.created)],
      planForValues: true,
    };
  }

  /**
   * Whether any event of these PaymentIntents is due now, after a batch of theirs is marked done
   * (a row if so): one another instance left out while the batch held their PaymentIntents, due
   * for whoever claims next. A part of a statement (`writeTogether`).
   */
  dueOf(paymentIntentIds: readonly string[]): WritePart | null {
    if (paymentIntentIds.length === 0) return null;
    return {
      text: `SELECT 1 FROM ${this.table}
       WHERE status = 'received' AND next_attempt_at <= now() AND ${PAYMENT_INTENT_OF} = ANY($1::text[])
       LIMIT 1`,
      params: [paymentIntentIds],
    };
  }

  /** Newest first, at most `take` events after the filter's key. */
  async list(filter: StripeEventFilter, take: number): Promise<StoredStripeEvent[]> {
    const [afterKey, afterId] = filter.after ?? [null, null];
    return this.sql.rows<StoredStripeEvent>(
      this.dataSource.manager,
      `SELECT ${LISTED_COLUMNS} FROM ${this.table}
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)
         AND ($3::timestamptz IS NULL OR (received_at, id) < ($3::timestamptz, $4::text))
         AND ($6::text IS NULL OR payload->'data'->'object'->'metadata'->>'order_id' = $6)
       ORDER BY received_at DESC, id DESC LIMIT $5`,
      [filter.status ?? null, filter.type ?? null, afterKey, afterId, take, filter.orderId ?? null],
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
       WHERE id = $1 RETURNING id`,
      [id],
    );
    if (replayed.length === 0) return false;
    this.wakeUps.announce(this.channel);
    return true;
  }

  /** Makes every event received in [from, to) due again, announced once; how many. */
  async replayReceivedBetween(range: {
    from: string;
    to: string;
    status?: StripeEventStatus;
  }): Promise<number> {
    const counted = await this.sql.first<{ replayed: number }>(
      this.dataSource.manager,
      `WITH replayed AS (
         UPDATE ${this.table}
         SET status = 'received', attempts = 0, next_attempt_at = now(), last_error = NULL
         WHERE received_at >= $1 AND received_at < $2 AND ($3::text IS NULL OR status = $3)
         RETURNING id
       )
       SELECT count(*)::int AS replayed FROM replayed`,
      [range.from, range.to, range.status ?? null],
    );
    const replayed = counted?.replayed ?? 0;
    // One wake-up for the lot, and only when something became due.
    if (replayed > 0) this.wakeUps.announce(this.channel);
    return replayed;
  }
}
