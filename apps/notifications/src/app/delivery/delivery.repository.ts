import { Injectable } from '@nestjs/common';
import { patternsMatching } from '@switchyard/contracts';
import { WakeUps } from '@switchyard/messaging';
import { integerLiteral, RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type PayloadMode } from '../endpoints/endpoint';
import { healEndpointsSql } from './endpoint-state.repository';

/**
 * The channel due deliveries are announced on (`WakeUps`, once committed), so a worker claims
 * them at once instead of at its next poll.
 */
export function dueDeliveriesChannel(schema: string): string {
  return `${schema}_deliveries`;
}

/** A due delivery, as the claim sees it before deciding whether it may go now. */
export interface DueDelivery {
  readonly id: string;
  readonly eventId: string;
  readonly endpointId: string;
  readonly rateLimitPerSecond: number | null;
  readonly fifo: boolean;
  /** The endpoint's circuit has opened and its cool-down is over: the next request is its probe. */
  readonly probing: boolean;
}

interface DueRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  rate_limit_per_second: number | null;
  fifo: boolean;
  probing: boolean;
}

/** A delivery this instance holds the lease of, with all it takes to send it. */
export interface ClaimedDelivery {
  readonly kind: 'webhook';
  readonly id: string;
  readonly messageId: string;
  readonly eventId: string;
  readonly attempts: number;
  readonly endpointId: string;
  readonly url: string;
  /** Every active secret of the endpoint: during a rotation, old and new both sign. */
  readonly secrets: string[];
  readonly headers: Record<string, string>;
  readonly retrySchedule: string | null;
  readonly payloadMode: PayloadMode;
  readonly payload: string;
  readonly createdAt: Date;
}

/** `e` may be sent to now: enabled, its circuit not open, its next rate slot come. */
const READY_ENDPOINT = `e.enabled
         AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= now())
         AND (e.rate_limit_per_second IS NULL OR e.rate_next_at <= now())`;

/**
 * A replayed delivery's new state: due now with a fresh schedule, and held by no one, so an
 * instance still sending it neither renews its lease nor settles it over the replay.
 */
export const REPLAYED = `status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL,
         locked_by = NULL, updated_at = now()`;

/** Delivery `d` to endpoint `e` is due now and nobody holds it. */
const DUE_NOW = `d.status = 'pending' AND d.next_attempt_at <= now()
         AND (d.locked_until IS NULL OR d.locked_until < now()) AND ${READY_ENDPOINT}`;

/** A claimed delivery's row, as the lease statements answer it. */
export interface LeasedRow {
  id: string;
  message_id: string;
  event_id: string;
  attempts: number;
  endpoint_id: string;
  created_at: Date;
  url: string;
  headers: Record<string, string>;
  retry_schedule: string | null;
  payload_mode: PayloadMode;
  secrets: string[];
  payload: string;
}

/**
 * A lease on the deliveries `which` names (a condition on `d`), with what sending them takes:
 * `$1` the lease in seconds, `$2` its owner.
 */
function leaseSql(s: string, which: string): string {
  return `UPDATE ${s}.deliveries d SET locked_until = now() + make_interval(secs => $1), locked_by = $2
       FROM ${s}.endpoints e, ${s}.messages m
       WHERE ${which} AND e.id = d.endpoint_id AND m.id = d.message_id AND m.event_id = d.event_id
       RETURNING d.id, d.message_id, d.event_id, d.attempts, d.endpoint_id, d.created_at, ${SENDING_COLUMNS}, m.payload`;
}

/**
 * What sending to endpoint `e` takes, as a leased row's columns: every active secret signs
 * (during a rotation, old and new).
 */
export const SENDING_COLUMNS = `e.url, e.headers, e.retry_schedule, e.payload_mode,
         CASE WHEN e.previous_secret IS NOT NULL AND e.previous_secret_expires_at > now()
              THEN ARRAY[e.secret, e.previous_secret] ELSE ARRAY[e.secret] END AS secrets`;

/**
 * Endpoint `e` takes deliveries without winning a slot first: no rate limit, no FIFO order, its
 * circuit closed and not about to probe (`$threshold`: the breaker's threshold), and enabled.
 */
export function freeEndpointSql(threshold: string): string {
  return `e.enabled AND NOT e.fifo AND e.rate_limit_per_second IS NULL
         AND e.consecutive_failures < ${threshold}
         AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= now())`;
}

export function claimedOf(r: LeasedRow): ClaimedDelivery {
  return {
    kind: 'webhook',
    id: r.id,
    messageId: r.message_id,
    eventId: r.event_id,
    attempts: r.attempts,
    endpointId: r.endpoint_id,
    url: r.url,
    secrets: r.secrets,
    headers: r.headers,
    retrySchedule: r.retry_schedule,
    payloadMode: r.payload_mode,
    payload: r.payload,
    createdAt: r.created_at,
  };
}

/** What `claimFree` leased, and whether it left due deliveries to the claim in a transaction. */
export interface FreeClaim {
  readonly leased: ClaimedDelivery[];
  /** Due deliveries it locked, leased or not: the limit when more may be due. */
  readonly due: number;
  /**
   * It passed over deliveries that must win a slot first (a rate limit, a probe), or an enabled
   * FIFO endpoint made it claim nothing: `due` then takes them in a transaction.
   */
  readonly passedOver: boolean;
}

/** Names a delivery row: its event id is the partition key, so statements touch only its day. */
export interface DeliveryKey {
  readonly id: string;
  readonly eventId: string;
}

/**
 * The distinct event ids of these deliveries, as a separate `= ANY` condition: Postgres prunes
 * partitions from it when it plans the statement, where a join to the ids could not be pruned
 * and every day's partition would be planned and probed.
 */
export function eventIdsOf(keys: readonly DeliveryKey[]): string[] {
  return [...new Set(keys.map((k) => k.eventId))];
}

/** Where a delivery stands after an attempt. */
export interface DeliveryOutcome {
  readonly deliveryId: string;
  readonly eventId: string;
  /** Only the lease's owner may write it. */
  readonly instanceId: string;
  readonly status: 'succeeded' | 'failed' | 'pending';
  readonly attempts: number;
  readonly delayMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  /** What goes on record in the attempt besides the status and the error. */
  readonly latencyMs: number;
  readonly responseBody: string | null;
  readonly requestHeaders: Readonly<Record<string, string>> | null;
}

export interface RangeReplay {
  readonly partnerId: string;
  readonly eventType: string;
  readonly from: string;
  readonly to: string;
  readonly endpointId: string | null;
}

/**
 * The deliveries table: the queue of what is due to which endpoint. Every statement that makes a
 * delivery due announces it on `dueDeliveriesChannel` once it is committed.
 */
@Injectable()
export class DeliveryRepository {
  private readonly channel: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
    private readonly wakeUps: WakeUps,
  ) {
    this.channel = dueDeliveriesChannel(sql.schemaName);
  }

  /**
   * Due deliveries nobody holds, oldest due first, locked for this transaction (SKIP LOCKED, so
   * instances never take the same one). Skips endpoints that are disabled, whose circuit is open,
   * whose next rate slot has not come, and, for FIFO endpoints, every delivery but the head.
   */
  async due(limit: number, breakerThreshold: number, db: EntityManager): Promise<DueDelivery[]> {
    const s = this.sql.schema;
    // The limit and threshold are in the text, so the plan Postgres keeps for this claim knows them.
    const columns = `d.id, d.event_id, d.endpoint_id, e.rate_limit_per_second, e.fifo,
         e.consecutive_failures >= ${integerLiteral(breakerThreshold)} AS probing`;
    const heads = (await this.anyFifoEndpoint(db))
      ? await this.sql.rows<DueRow>(
          db,
          `SELECT ${columns}
           FROM ${s}.endpoints e
           JOIN LATERAL (SELECT h.id, h.event_id FROM ${s}.deliveries h
                         WHERE h.endpoint_id = e.id AND h.status = 'pending'
                         ORDER BY h.created_at, h.id LIMIT 1) head ON true
           JOIN ${s}.deliveries d ON d.id = head.id AND d.event_id = head.event_id
           WHERE e.fifo AND ${READY_ENDPOINT}
             AND d.next_attempt_at <= now() AND (d.locked_until IS NULL OR d.locked_until < now())
             AND NOT EXISTS (SELECT 1 FROM ${s}.deliveries x
                             WHERE x.endpoint_id = e.id AND x.status = 'pending' AND x.locked_until > now())
           LIMIT ${integerLiteral(limit)}
           FOR UPDATE OF d SKIP LOCKED`,
        )
      : [];
    // Ordered by due time alone, so the scan walks each partition's due index and stops at the
    // limit; FIFO endpoints are left to the query above, whose head check would cost this one's
    // plan a second pass over every partition. Its limit is the claim's, whatever the heads took,
    // so its text stays one of a few; the rows past the room are locked only until this claim
    // commits, and never leased.
    const room = limit - heads.length;
    const others =
      room <= 0
        ? []
        : await this.sql.rows<DueRow>(
            db,
            `SELECT ${columns}
       FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
       WHERE ${DUE_NOW} AND NOT e.fifo
       ORDER BY d.next_attempt_at LIMIT ${integerLiteral(limit)}
       FOR UPDATE OF d SKIP LOCKED`,
          );
    return [...heads, ...others.slice(0, room)].map((r) => ({
      id: r.id,
      eventId: r.event_id,
      endpointId: r.endpoint_id,
      rateLimitPerSecond: r.rate_limit_per_second,
      fifo: r.fifo,
      probing: r.probing,
    }));
  }

  /** Whether any enabled endpoint delivers in order: most installations have none. */
  private async anyFifoEndpoint(db: EntityManager): Promise<boolean> {
    const row = await this.sql.first<{ any: boolean }>(
      db,
      `SELECT EXISTS (SELECT 1 FROM ${this.sql.schema}.endpoints WHERE fifo AND enabled) AS any`,
      [],
    );
    return row?.any ?? false;
  }

  /** Leases these deliveries to this instance for `leaseSeconds`, and answers what sending them takes. */
  async lease(
    due: readonly Pick<DueDelivery, 'id' | 'eventId'>[],
    instanceId: string,
    leaseSeconds: number,
    db: EntityManager,
  ): Promise<ClaimedDelivery[]> {
    const rows = await this.sql.rows<LeasedRow>(
      db,
      leaseSql(
        this.sql.schema,
        'd.id = ANY($3::uuid[]) AND d.event_id = ANY($4::uuid[]) AND m.event_id = ANY($4::uuid[])',
      ),
      [leaseSeconds, instanceId, due.map((d) => d.id), eventIdsOf(due)],
      { planForValues: true },
    );
    return rows.map(claimedOf);
  }

  /**
   * Claims and leases, in one statement and so without a transaction of its own, the due
   * deliveries that need no slot on their endpoint: the claim of an installation with no FIFO
   * endpoint, no rate limit and no circuit about to probe, which is most of them. The rows are
   * taken with SKIP LOCKED, as `due` takes them. Deliveries that need a slot are passed over (and
   * their locks end with the statement), and with any FIFO endpoint enabled nothing is claimed:
   * `passedOver` sends the caller to `due`, which takes slots in order.
   */
  async claimFree(
    limit: number,
    breakerThreshold: number,
    instanceId: string,
    leaseSeconds: number,
    db: EntityManager = this.dataSource.manager,
  ): Promise<FreeClaim> {
    const s = this.sql.schema;
    // Each day is its own partition: the lease finds its rows through the range of event ids
    // claimed, which Postgres prunes partitions by as it runs, where a join could not be pruned.
    const inFree = (alias: string) =>
      `${alias}.event_id >= (SELECT event_id FROM free ORDER BY event_id LIMIT 1)
         AND ${alias}.event_id <= (SELECT event_id FROM free ORDER BY event_id DESC LIMIT 1)`;
    const rows = await this.sql.rows<
      { due: number; free: number; fifo: boolean } & (LeasedRow | Record<keyof LeasedRow, null>)
    >(
      db,
      `WITH fifo AS MATERIALIZED (
         SELECT EXISTS (SELECT 1 FROM ${s}.endpoints WHERE fifo AND enabled) AS present
       ), due AS MATERIALIZED (
         SELECT d.id, d.event_id, e.rate_limit_per_second IS NULL
                  AND e.consecutive_failures < ${integerLiteral(breakerThreshold)} AS free
         FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
         WHERE ${DUE_NOW} AND NOT e.fifo AND NOT (SELECT present FROM fifo)
         ORDER BY d.next_attempt_at LIMIT ${integerLiteral(limit)}
         FOR UPDATE OF d SKIP LOCKED
       ), free AS MATERIALIZED (
         SELECT id, event_id FROM due WHERE free
       ), leased AS (
         ${leaseSql(s, `d.id IN (SELECT id FROM free) AND ${inFree('d')} AND ${inFree('m')}`)}
       )
       SELECT c.due, c.free, c.fifo, l.*
       FROM (SELECT (SELECT count(*) FROM due)::int AS due, (SELECT count(*) FROM free)::int AS free,
                    (SELECT present FROM fifo) AS fifo) c
         LEFT JOIN leased l ON true`,
      [leaseSeconds, instanceId],
    );
    const counts = rows[0] as { due: number; free: number; fifo: boolean };
    return {
      leased: rows.flatMap((r) => (r.id === null ? [] : [claimedOf(r as LeasedRow)])),
      due: counts.due,
      passedOver: counts.fifo || counts.free < counts.due,
    };
  }

  /**
   * Extends this instance's leases on deliveries it still holds; others' are left alone, and so
   * are rows another statement has locked: those are being settled (or, with the lease run out,
   * claimed), and waiting for them while a settle waits for a row this statement locked was a
   * deadlock.
   */
  async renewLeases(
    held: readonly DeliveryKey[],
    instanceId: string,
    leaseSeconds: number,
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (held.length === 0) return;
    const s = this.sql.schema;
    await this.sql.affected(
      db,
      `UPDATE ${s}.deliveries d SET locked_until = now() + make_interval(secs => $3)
       FROM (SELECT id, event_id FROM ${s}.deliveries
             WHERE id = ANY($1::uuid[]) AND event_id = ANY($4::uuid[]) AND locked_by = $2
               AND status = 'pending'
             FOR UPDATE SKIP LOCKED) h
       WHERE d.id = h.id AND d.event_id = h.event_id AND d.event_id = ANY($4::uuid[])`,
      [held.map((d) => d.id), instanceId, leaseSeconds, eventIdsOf(held)],
      { planForValues: true },
    );
  }

  /**
   * Gives back deliveries this instance claimed but never sent (it is stopping): due again at
   * once, for any instance, with no attempt on record.
   */
  async unlease(held: readonly DeliveryKey[], instanceId: string): Promise<void> {
    if (held.length === 0) return;
    const given = await this.sql.affected(
      this.dataSource.manager,
      `UPDATE ${this.sql.schema}.deliveries SET locked_until = NULL, locked_by = NULL
       WHERE id = ANY($1::uuid[]) AND event_id = ANY($3::uuid[]) AND locked_by = $2 AND status = 'pending'`,
      [held.map((d) => d.id), instanceId, eventIdsOf(held)],
      { planForValues: true },
    );
    if (given > 0) this.wakeUps.announce(this.channel);
  }

  /**
   * Deliveries of an operational message to the partner's other enabled endpoints that subscribe
   * to `eventType` (exactly, by its family, or `*`), announced once committed.
   */
  async addToSubscribersOf(
    notice: {
      readonly messageId: string;
      readonly eventId: string;
      readonly eventType: string;
      readonly partnerId: string;
      readonly exceptEndpointId: string;
    },
    db: EntityManager,
  ): Promise<void> {
    const s = this.sql.schema;
    const added = await this.sql.affected(
      db,
      `INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id)
       SELECT gen_random_uuid(), $1, $2, id FROM ${s}.endpoints
       WHERE partner_id = $3 AND id <> $4 AND enabled AND event_types && $5::text[]`,
      [
        notice.messageId,
        notice.eventId,
        notice.partnerId,
        notice.exceptEndpointId,
        patternsMatching(notice.eventType),
      ],
    );
    if (added > 0) this.wakeUps.announceAfterCommit(db, this.channel);
  }

  /**
   * Puts the attempts on record and settles their deliveries, in one statement; answers the
   * deliveries it settled. Every attempt is recorded, but only the lease's owner settles its
   * delivery: one whose lease ran out is another instance's now. With `healEndpoints`, the
   * endpoints of the deliveries that succeeded get their failure streaks cleared in the same
   * statement (for a batch of successes alone, where no failure's order matters), so such a
   * batch is one round trip and one commit.
   */
  async settle(
    outcomes: readonly DeliveryOutcome[],
    options: { readonly healEndpoints: boolean },
    db: EntityManager,
  ): Promise<Set<string>> {
    if (outcomes.length === 0) return new Set();
    const s = this.sql.schema;
    const rows = await this.sql.rows<{ id: string }>(
      db,
      `WITH o AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::double precision[], $5::int[],
                              $6::text[], $7::text[], $8::uuid[], $9::int[], $10::text[], $12::text[])
           AS o(id, status, attempts, delay_ms, status_code, error, instance_id, event_id, latency_ms, response_body, request_headers)
       ), attempted AS (
         INSERT INTO ${s}.attempts (delivery_id, event_id, status_code, latency_ms, error, response_body, sent_by, request_headers)
         SELECT id, event_id, status_code, latency_ms, error, response_body, instance_id, request_headers::jsonb FROM o
       ), settled AS (
         UPDATE ${s}.deliveries d SET status = o.status, attempts = o.attempts, locked_until = NULL, locked_by = NULL,
           next_attempt_at = now() + make_interval(secs => o.delay_ms / 1000),
           last_status_code = o.status_code, last_error = o.error, updated_at = now()
         FROM o
         WHERE d.id = o.id AND d.locked_by = o.instance_id AND d.event_id = o.event_id AND d.event_id = ANY($8::uuid[])
         RETURNING d.id, d.endpoint_id, d.status
       ), healed AS (
         ${healEndpointsSql(s, `$11::boolean AND id IN (SELECT endpoint_id FROM settled WHERE status = 'succeeded')`)}
       )
       SELECT id FROM settled`,
      [
        outcomes.map((o) => o.deliveryId),
        outcomes.map((o) => o.status),
        outcomes.map((o) => o.attempts),
        outcomes.map((o) => o.delayMs),
        outcomes.map((o) => o.statusCode),
        outcomes.map((o) => o.error),
        outcomes.map((o) => o.instanceId),
        outcomes.map((o) => o.eventId),
        outcomes.map((o) => o.latencyMs),
        outcomes.map((o) => o.responseBody),
        options.healEndpoints,
        outcomes.map((o) => (o.requestHeaders ? JSON.stringify(o.requestHeaders) : null)),
      ],
      { planForValues: true },
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Releases a delivery whose attempt our shutdown cut short: due again at once, attempts unchanged. */
  async release(
    delivery: {
      readonly deliveryId: string;
      readonly eventId: string;
      readonly instanceId: string;
    },
    error: string,
    db: EntityManager,
  ): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.deliveries SET locked_until = NULL, locked_by = NULL, next_attempt_at = now(),
         last_error = $3, updated_at = now()
       WHERE id = $1 AND locked_by = $2 AND event_id = $4`,
      [delivery.deliveryId, delivery.instanceId, error, delivery.eventId],
    );
  }

  /**
   * Makes the message's delivery to the endpoint due now with a fresh schedule, creating it if
   * the endpoint never had one; announced. Answers how many (0 or 1).
   */
  async replayMessage(messageId: string, endpointId: string): Promise<number> {
    const s = this.sql.schema;
    return this.announced(
      `INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id)
       SELECT gen_random_uuid(), id, event_id, $2 FROM ${s}.messages WHERE id = $1
       ON CONFLICT (message_id, endpoint_id, event_id) DO UPDATE
       SET ${REPLAYED}`,
      [messageId, endpointId],
    );
  }

  /**
   * Makes the endpoint's deliveries waiting for a retry due now, attempts unchanged, as after its
   * circuit is reset; those in flight are left to their lease. Announced. Answers how many.
   */
  async dueNowTo(endpointId: string): Promise<number> {
    return this.announced(
      `UPDATE ${this.sql.schema}.deliveries SET next_attempt_at = now(), updated_at = now()
       WHERE endpoint_id = $1 AND status = 'pending' AND next_attempt_at > now()
         AND (locked_until IS NULL OR locked_until < now())`,
      [endpointId],
    );
  }

  /**
   * Makes up to `batch` failed deliveries of the endpoint, created since `since`, due now with a
   * fresh schedule; announced. Answers how many.
   */
  async replayFailed(endpointId: string, since: string, batch: number): Promise<number> {
    const s = this.sql.schema;
    return this.announced(
      `UPDATE ${s}.deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE (id, event_id) IN (SELECT id, event_id FROM ${s}.deliveries
                                WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2 LIMIT $3)`,
      [endpointId, since, batch],
    );
  }

  /**
   * Up to `batch` messages of the partner of an event type in [from, to), each made due now to
   * every enabled endpoint of the partner that subscribes to the type now (or to the one named),
   * with a fresh schedule; skips those already due afresh, so repeating it ends. Announced. Answers
   * how many deliveries.
   */
  async replayRange(range: RangeReplay, batch: number): Promise<number> {
    const s = this.sql.schema;
    return this.announced(
      `WITH targets AS (
         SELECT m.id AS message_id, m.event_id, e.id AS endpoint_id
         FROM ${s}.messages m JOIN ${s}.endpoints e ON e.partner_id = m.partner_id
         WHERE m.partner_id = $1 AND m.event_type = $2 AND m.created_at >= $3 AND m.created_at < $4
           AND e.enabled AND ($5::uuid IS NULL OR e.id = $5) AND e.event_types && $6::text[]
           AND NOT EXISTS (SELECT 1 FROM ${s}.deliveries d
                           WHERE d.message_id = m.id AND d.event_id = m.event_id AND d.endpoint_id = e.id
                           AND d.status = 'pending' AND d.attempts = 0)
         LIMIT $7)
       INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id)
       SELECT gen_random_uuid(), message_id, event_id, endpoint_id FROM targets
       ON CONFLICT (message_id, endpoint_id, event_id) DO UPDATE
       SET ${REPLAYED}`,
      [
        range.partnerId,
        range.eventType,
        range.from,
        range.to,
        range.endpointId,
        patternsMatching(range.eventType),
        batch,
      ],
    );
  }

  /**
   * Runs a statement, on its own, that makes deliveries due; announces them when it made any;
   * answers how many.
   */
  private async announced(text: string, params: readonly unknown[]): Promise<number> {
    const made = await this.sql.affected(this.dataSource.manager, text, params);
    if (made > 0) this.wakeUps.announce(this.channel);
    return made;
  }
}
