import { Inject, Injectable } from '@nestjs/common';
import { type DomainEvent, patternsMatching } from '@switchyard/contracts';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CompiledFilter, type SubscriptionFilter } from '../subscriptions/subscription-filter';
import { type NotificationsConfig } from '../notifications-env';

interface SubscribedEndpoint {
  id: string;
  partner_id: string;
  filter: SubscriptionFilter | null;
  updated_at: Date;
}

/** The channel new due deliveries are announced on, so a worker does not wait for its poll. */
export function dueDeliveriesChannel(schema: string): string {
  return `${schema}_deliveries`;
}

export interface FanOutResult {
  readonly deliveries: number;
  readonly filtered: number;
}

/**
 * Turns one event into one message per subscribed partner and one delivery per subscribed
 * endpoint whose filter matches. An endpoint whose filter does not match gets a `filtered`
 * delivery that is never sent and says why, so the partner's message log shows it. Runs inside
 * the inbox transaction; the unique keys make a replayed event create nothing.
 */
@Injectable()
export class FanOutUseCase {
  private readonly filters = new Map<string, { version: number; compiled: CompiledFilter }>();

  constructor(@Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig) {}

  async execute(manager: EntityManager, event: DomainEvent): Promise<FanOutResult> {
    const s = `"${this.config.DB_SCHEMA}"`;
    const endpoints: SubscribedEndpoint[] = await manager.query(
      `SELECT id, partner_id, filter, updated_at FROM ${s}.endpoints WHERE enabled AND event_types && $1::text[]`,
      [patternsMatching(event.type)],
    );
    let deliveries = 0;
    let filtered = 0;
    for (const partnerId of new Set(endpoints.map((e) => e.partner_id))) {
      const [message]: { id: string }[] = await manager.query(
        `INSERT INTO ${s}.messages (id, partner_id, event_id, event_type, subject, payload)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (partner_id, event_id) DO UPDATE SET event_type = EXCLUDED.event_type
         RETURNING id`,
        [`msg_${uuidv7()}`, partnerId, event.id, event.type, event.subject, JSON.stringify(event)],
      );
      for (const endpoint of endpoints.filter((e) => e.partner_id === partnerId)) {
        const verdict = endpoint.filter
          ? this.compiled(endpoint).test(event)
          : { match: true as const };
        await manager.query(
          `INSERT INTO ${s}.deliveries (id, message_id, event_id, endpoint_id, status, last_error)
           VALUES (gen_random_uuid(), $1, $2, $3, $4, $5)
           ON CONFLICT (message_id, endpoint_id, event_id) DO NOTHING`,
          [
            message?.id,
            event.id,
            endpoint.id,
            verdict.match ? 'pending' : 'filtered',
            verdict.match ? null : verdict.reason,
          ],
        );
        if (verdict.match) deliveries++;
        else filtered++;
      }
    }
    // Delivered at commit, to every instance's delivery worker: the new deliveries are due now.
    if (deliveries > 0) {
      await manager.query('SELECT pg_notify($1, $2)', [
        dueDeliveriesChannel(this.config.DB_SCHEMA),
        '',
      ]);
    }
    return { deliveries, filtered };
  }

  /** Filters compile once per endpoint version; an update (new updated_at) recompiles. */
  private compiled(endpoint: SubscribedEndpoint): CompiledFilter {
    const version = endpoint.updated_at.getTime();
    const cached = this.filters.get(endpoint.id);
    if (cached && cached.version === version) return cached.compiled;
    const compiled = new CompiledFilter(endpoint.filter as SubscriptionFilter);
    this.filters.set(endpoint.id, { version, compiled });
    return compiled;
  }
}
