import { Injectable } from '@nestjs/common';
import { inboxInsertSql, type InboxRow, WakeUps } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type NewMessage } from '../messages/message.repository';
import {
  type ClaimedDelivery,
  claimedOf,
  dueDeliveriesChannel,
  freeEndpointSql,
  type LeasedRow,
  SENDING_COLUMNS,
} from './delivery.repository';

/** One endpoint's share of an event: sent, or `filtered` with the reason it was not. */
export interface FanOutDelivery {
  readonly partnerId: string;
  readonly endpointId: string;
  readonly filteredReason: string | null;
}

/** What fan-out makes of one event: a message per partner, a delivery per endpoint. */
export interface FanOutWrite {
  readonly event: Omit<NewMessage, 'id' | 'partnerId'>;
  readonly messages: readonly { readonly id: string; readonly partnerId: string }[];
  readonly deliveries: readonly FanOutDelivery[];
}

/** New deliveries to lease as they are written, to this instance's worker (`DeliveryHandOff`). */
export interface LeaseAtWrite {
  readonly instanceId: string;
  /** At most this many, the first in the order written. */
  readonly room: number;
  readonly leaseSeconds: number;
  /** The breaker's threshold: an endpoint at it probes first, so it is not leased to. */
  readonly breakerThreshold: number;
}

/** What a write made: whether the event was new, and the deliveries it leased (`LeaseAtWrite`). */
export interface FanOutWritten {
  readonly fresh: boolean;
  readonly leased: ClaimedDelivery[];
}

/**
 * Writes what fan-out makes of events, in one statement however many events and endpoints: a
 * message per partner and event (or the one the partner already has for it) and a delivery per
 * endpoint, under its partner's message; given an event's `InboxRow` (then one event only), its
 * inbox row, the rest written only if that row is new. With `lease`, new deliveries to free
 * endpoints (no rate limit, no FIFO order, circuit closed) are leased to that instance as they
 * are written, up to its room, and answered with what sending them takes. Other new due
 * deliveries are announced on `dueDeliveriesChannel` once committed; a replayed event (every row
 * a conflict) creates, leases and announces nothing.
 */
@Injectable()
export class FanOutRepository {
  private readonly channel: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly wakeUps: WakeUps,
  ) {
    this.channel = dueDeliveriesChannel(sql.schemaName);
  }

  async write(
    writes: readonly FanOutWrite[],
    db: EntityManager,
    inboxRow: InboxRow | null = null,
    lease: LeaseAtWrite | null = null,
  ): Promise<FanOutWritten> {
    if (inboxRow && writes.length !== 1) {
      throw new Error(`an InboxRow is one event's: got ${writes.length} events to write with it`);
    }
    const withMessages = writes.filter((w) => w.messages.length > 0);
    if (withMessages.length === 0) {
      return { fresh: inboxRow ? await inboxRow.recordAlone(db) : true, leased: [] };
    }
    const s = this.sql.schema;
    // Without an inbox row of its own, the caller's inbox transaction has one: the CTE stands
    // for it, a row that is always there, and every part is written.
    const inbox = inboxRow
      ? inboxInsertSql(this.sql.schemaName, ['$12', '($1::uuid[])[1]', '($2::text[])[1]'])
      : 'SELECT $12::text';
    const messages = withMessages.flatMap((w) =>
      w.messages.map((m) => ({ ...m, eventId: w.event.eventId })),
    );
    // A FIFO endpoint sends its deliveries by (created_at, id): rows are inserted in the order
    // the events were written (clock_timestamp() is taken after the ORDER BY), and ids made here
    // increase in that order, breaking the ties a microsecond clock leaves within a statement.
    const deliveries = withMessages.flatMap((w) =>
      w.deliveries.map((d) => ({ ...d, eventId: w.event.eventId })),
    );
    // One row saying whether the event was new and whether anything is left to announce, then
    // one per delivery leased.
    const rows = await this.sql.rows<
      { summary: boolean; fresh: boolean | null; due: boolean | null } & LeasedRow
    >(
      db,
      `WITH inbox AS (${inbox}),
       stored AS (
         INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         SELECT m.id, m.partner_id, e.id, e.type, e.subject, e.payload
         FROM unnest($5::text[], $6::uuid[], $7::uuid[]) AS m(id, partner_id, event_id)
         JOIN unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS e(id, type, subject, payload)
           ON e.id = m.event_id
         WHERE EXISTS (SELECT 1 FROM inbox)
         ON CONFLICT (partner_id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
         RETURNING id, partner_id, event_id, payload),
       input AS (
         SELECT * FROM unnest($13::uuid[], $8::uuid[], $9::uuid[], $10::uuid[], $11::text[])
           WITH ORDINALITY AS d(id, event_id, partner_id, endpoint_id, reason, ord)),
       free AS MATERIALIZED (
         SELECT e.id FROM ${s}.endpoints e
         WHERE $17::int > 0 AND e.id IN (SELECT endpoint_id FROM input WHERE reason IS NULL)
           AND ${freeEndpointSql('$16::int')}),
       chosen AS (
         SELECT i.*, i.reason IS NULL AND f.id IS NOT NULL
           AND count(f.id) FILTER (WHERE i.reason IS NULL) OVER (ORDER BY i.ord) <= $17::int AS handed
         FROM input i LEFT JOIN free f ON f.id = i.endpoint_id),
       added AS (
         INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id, status, last_error, locked_by, locked_until)
         SELECT d.id, stored.id, d.event_id, d.endpoint_id,
           CASE WHEN d.reason IS NULL THEN 'pending' ELSE 'filtered' END, d.reason,
           CASE WHEN d.handed THEN $14::text END,
           CASE WHEN d.handed THEN now() + make_interval(secs => $15::double precision) END
         FROM chosen d
         JOIN stored ON stored.partner_id = d.partner_id AND stored.event_id = d.event_id
         ORDER BY d.ord
         ON CONFLICT (message_id, endpoint_id, event_id) DO NOTHING
         RETURNING id, message_id, event_id, attempts, endpoint_id, created_at, status,
           locked_by IS NOT NULL AS leased)
       SELECT true AS summary, EXISTS (SELECT 1 FROM inbox) AS fresh,
         EXISTS (SELECT 1 FROM added WHERE status = 'pending' AND NOT leased) AS due,
         NULL::uuid AS id, NULL::text AS message_id, NULL::uuid AS event_id, NULL::int AS attempts,
         NULL::uuid AS endpoint_id, NULL::timestamptz AS created_at, NULL::text AS url,
         NULL::jsonb AS headers, NULL::text AS retry_schedule, NULL::text AS payload_mode,
         NULL::text[] AS secrets, NULL::text AS payload
       UNION ALL
       SELECT false, NULL, NULL, a.id, a.message_id, a.event_id, a.attempts, a.endpoint_id,
         a.created_at, ${SENDING_COLUMNS}, m.payload
       FROM added a JOIN ${s}.endpoints e ON e.id = a.endpoint_id
         JOIN stored m ON m.id = a.message_id AND m.event_id = a.event_id
       WHERE a.leased`,
      [
        withMessages.map((w) => w.event.eventId),
        withMessages.map((w) => w.event.eventType),
        withMessages.map((w) => w.event.subject),
        withMessages.map((w) => w.event.payload),
        messages.map((m) => m.id),
        messages.map((m) => m.partnerId),
        messages.map((m) => m.eventId),
        deliveries.map((d) => d.eventId),
        deliveries.map((d) => d.partnerId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.filteredReason),
        inboxRow?.consumer ?? '',
        deliveries.map(() => uuidv7()),
        lease?.instanceId ?? '',
        lease?.leaseSeconds ?? 0,
        lease?.breakerThreshold ?? 0,
        lease?.room ?? 0,
      ],
    );
    const summary = rows.find((r) => r.summary);
    const fresh = summary?.fresh === true;
    inboxRow?.took(fresh);
    if (summary?.due) this.wakeUps.announceAfterCommit(db, this.channel);
    return { fresh, leased: rows.filter((r) => !r.summary).map(claimedOf) };
  }
}
