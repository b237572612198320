import { Injectable } from '@nestjs/common';
import { WakeUps } from '@switchyard/messaging';
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
 * partner already has for this event) and a delivery per endpoint, under its partner's message.
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
  ): Promise<void> {
    if (messages.length === 0) return;
    const s = this.sql.schema;
    const [{ due }] = await this.sql.rows<{ due: boolean }>(
      db,
      `WITH stored AS (
         INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         SELECT m.id, m.partner_id, $1, $2, $3, $4
         FROM unnest($5::text[], $6::uuid[]) AS m(id, partner_id)
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
       SELECT EXISTS (SELECT 1 FROM added WHERE status = 'pending') AS due`,
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
      ],
    );
    if (due) this.wakeUps.announceAfterCommit(db, this.channel);
  }
}
