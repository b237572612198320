import { Inject, Injectable } from '@nestjs/common';
import { type DomainEvent } from '@switchyard/contracts';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { type NotificationsConfig } from '../notifications-env';
import { patternsMatching } from './event-type-match';

/**
 * Turns one event into one message per subscribed partner and one delivery per subscribed
 * endpoint. Runs inside the inbox transaction; the unique keys make a replay create nothing.
 */
@Injectable()
export class FanOutUseCase {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  async execute(manager: EntityManager, event: DomainEvent): Promise<number> {
    const s = `"${this.config.DB_SCHEMA}"`;
    const endpoints: { id: string; partner_id: string }[] = await manager.query(
      `SELECT id, partner_id FROM ${s}.endpoints WHERE enabled AND event_types && $1::text[]`,
      [patternsMatching(event.type)],
    );
    const partners = [...new Set(endpoints.map((e) => e.partner_id))];
    for (const partnerId of partners) {
      const [message]: { id: string }[] = await manager.query(
        `INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (partner_id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
         RETURNING id`,
        [`msg_${uuidv7()}`, partnerId, event.id, event.type, event.subject, JSON.stringify(event)],
      );
      const endpointIds = endpoints.filter((e) => e.partner_id === partnerId).map((e) => e.id);
      await manager.query(
        `INSERT INTO ${s}.deliveries (id, message_id, endpoint_id)
         SELECT gen_random_uuid(), $1, unnest($2::uuid[])
         ON CONFLICT (message_id, endpoint_id) DO NOTHING`,
        [message?.id, endpointIds],
      );
    }
    return endpoints.length;
  }
}
