import { Injectable } from '@nestjs/common';
import { inboxInsertSql, type InboxRow, WakeUps } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type NewMessage } from '../messages/message.repository';
import { dueDeliveriesChannel } from './delivery.repository';

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

/**
 * Writes what fan-out makes of events, in one statement however many events and endpoints: a
 * message per partner and event (or the one the partner already has for it) and a delivery per
 * endpoint, under its partner's message; given an event's `InboxRow` (then one event only), its
 * inbox row, the rest written only if that row is new. New due deliveries are announced on
 * `dueDeliveriesChannel` once committed; a replayed event (every row a conflict) creates and
 * announces nothing.
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
  ): Promise<{ fresh: boolean }> {
    if (inboxRow && writes.length !== 1) {
      throw new Error(`an InboxRow is one event's: got ${writes.length} events to write with it`);
    }
    const withMessages = writes.filter((w) => w.messages.length > 0);
    if (withMessages.length === 0) {
      return { fresh: inboxRow ? await inboxRow.recordAlone(db) : true };
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
    const [{ fresh, due }] = await this.sql.rows<{ fresh: boolean; due: boolean }>(
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
         RETURNING id, partner_id, event_id),
       added AS (
         INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id, status, last_error)
         SELECT d.id, stored.id, d.event_id, d.endpoint_id,
           CASE WHEN d.reason IS NULL THEN 'pending' ELSE 'filtered' END, d.reason
         FROM unnest($13::uuid[], $8::uuid[], $9::uuid[], $10::uuid[], $11::text[])
           WITH ORDINALITY AS d(id, event_id, partner_id, endpoint_id, reason, ord)
         JOIN stored ON stored.partner_id = d.partner_id AND stored.event_id = d.event_id
         ORDER BY d.ord
         ON CONFLICT (message_id, endpoint_id, event_id) DO NOTHING
         RETURNING status)
       SELECT EXISTS (SELECT 1 FROM inbox) AS fresh,
         EXISTS (SELECT 1 FROM added WHERE status = 'pending') AS due`,
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
      ],
    );
    inboxRow?.took(fresh);
    if (due) this.wakeUps.announceAfterCommit(db, this.channel);
    return { fresh };
  }
}
