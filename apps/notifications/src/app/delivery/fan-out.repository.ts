import { Injectable } from '@nestjs/common';
import { inboxInsertSql, type InboxRow, WakeUps } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type NewMessage } from '../messages/message.repository';
import { dueDeliveriesChannel } from './delivery.repository';

/** One endpoint's share of an event: sent, or `filtered` with the reason it was not. */
export interface FanOutDelivery {
  readonly partnerId: string;
  readonly endpointId: string;
  readonly filteredReason: string | null;
}

/**
 * Writes what fan-out makes of an event, in one statement: a message per partner (or the one the
 * partner already has for this event) and a delivery per endpoint, under its partner's message,
 * and, given the event's `InboxRow`, its inbox row, the rest written only if that row is new.
 * New due deliveries are announced on `dueDeliveriesChannel` once committed; a replayed event
 * (every row a conflict) creates and announces nothing.
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
    event: Omit<NewMessage, 'id' | 'partnerId'>,
    messages: readonly { readonly id: string; readonly partnerId: string }[],
    deliveries: readonly FanOutDelivery[],
    db: EntityManager,
    inboxRow: InboxRow | null = null,
  ): Promise<{ fresh: boolean }> {
    if (messages.length === 0) return { fresh: inboxRow ? await inboxRow.recordAlone(db) : true };
    const s = this.sql.schema;
    // Without an inbox row of its own, the caller's inbox transaction has one: the CTE stands
    // for it, a row that is always there, and every part is written.
    const inbox = inboxRow
      ? inboxInsertSql(this.sql.schemaName, ['$10', '$1', '$2'])
      : 'SELECT $10::text';
    const [{ fresh, due }] = await this.sql.rows<{ fresh: boolean; due: boolean }>(
      db,
      `WITH inbox AS (${inbox}),
       stored AS (
         INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         SELECT m.id, m.partner_id, $1, $2, $3, $4
         FROM unnest($5::text[], $6::uuid[]) AS m(id, partner_id)
         WHERE EXISTS (SELECT 1 FROM inbox)
         ON CONFLICT (partner_id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
         RETURNING id, partner_id),
       added AS (
         INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id, status, last_error)
         SELECT gen_random_uuid(), stored.id, $1, d.endpoint_id,
           CASE WHEN d.reason IS NULL THEN 'pending' ELSE 'filtered' END, d.reason
         FROM unnest($7::uuid[], $8::uuid[], $9::text[]) AS d(partner_id, endpoint_id, reason)
         JOIN stored ON stored.partner_id = d.partner_id
         ON CONFLICT (message_id, endpoint_id, event_id) DO NOTHING
         RETURNING status)
       SELECT EXISTS (SELECT 1 FROM inbox) AS fresh,
         EXISTS (SELECT 1 FROM added WHERE status = 'pending') AS due`,
      [
        event.eventId,
        event.eventType,
        event.subject,
        event.payload,
        messages.map((m) => m.id),
        messages.map((m) => m.partnerId),
        deliveries.map((d) => d.partnerId),
        deliveries.map((d) => d.endpointId),
        deliveries.map((d) => d.filteredReason),
        inboxRow?.consumer ?? '',
      ],
    );
    inboxRow?.took(fresh);
    if (due) this.wakeUps.announceAfterCommit(db, this.channel);
    return { fresh };
  }
}
