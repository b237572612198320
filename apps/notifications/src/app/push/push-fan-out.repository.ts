import { Injectable } from '@nestjs/common';
import { WakeUps } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { dueDeliveriesChannel } from '../delivery/delivery.repository';

/** The message id of an event's pushes: one per event, whatever the devices. */
function pushMessageId(eventId: string): string {
  return `push_${eventId}`;
}

/**
 * Writes an event's pushes in one statement: the event kept once as a message with no partner,
 * and a delivery per device. A replayed event (every row a conflict) makes and announces nothing;
 * new ones are announced to the delivery worker once committed.
 */
@Injectable()
export class PushFanOutRepository {
  private readonly channel: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly wakeUps: WakeUps,
  ) {
    this.channel = dueDeliveriesChannel(sql.schemaName);
  }

  async write(
    event: { eventId: string; eventType: string; subject: string; payload: string },
    customerId: string,
    deviceIds: readonly string[],
    db: EntityManager,
  ): Promise<number> {
    if (deviceIds.length === 0) return 0;
    const s = this.sql.schema;
    const [row] = await this.sql.rows<{ added: number }>(
      db,
      `WITH stored AS (
         INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         VALUES ($1, NULL, $2, $3, $4, $5)
         ON CONFLICT (id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
         RETURNING id),
       added AS (
         INSERT INTO ${s}.deliveries (id, message_id, event_id, device_id, customer_id)
         SELECT gen_random_uuid(), stored.id, $2, device_id, $7
         FROM stored, unnest($6::uuid[]) AS device_id
         ON CONFLICT (message_id, device_id, event_id) WHERE device_id IS NOT NULL DO NOTHING
         RETURNING 1)
       SELECT count(*)::int AS added FROM added`,
      [
        pushMessageId(event.eventId),
        event.eventId,
        event.eventType,
        event.subject,
        event.payload,
        deviceIds,
        customerId,
      ],
    );
    const added = row?.added ?? 0;
    if (added > 0) this.wakeUps.announceAfterCommit(db, this.channel);
    return added;
  }
}
