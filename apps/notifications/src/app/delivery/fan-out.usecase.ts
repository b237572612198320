import { Injectable } from '@nestjs/common';
import { type DomainEvent, patternsMatching } from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EndpointRepository, type SubscribedEndpoint } from '../endpoints/endpoint.repository';
import { MessageRepository } from '../messages/message.repository';
import { CompiledFilter, type SubscriptionFilter } from '../subscriptions/subscription-filter';
import { DeliveryRepository } from './delivery.repository';

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

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly messages: MessageRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async execute(manager: EntityManager, event: DomainEvent): Promise<FanOutResult> {
    const endpoints = await this.endpoints.subscribedTo(patternsMatching(event.type), manager);
    let deliveries = 0;
    let filtered = 0;
    for (const partnerId of new Set(endpoints.map((e) => e.partnerId))) {
      const messageId = await this.messages.add(
        {
          id: `msg_${uuidv7()}`,
          partnerId,
          eventId: event.id,
          eventType: event.type,
          subject: event.subject,
          payload: JSON.stringify(event),
        },
        manager,
      );
      for (const endpoint of endpoints.filter((e) => e.partnerId === partnerId)) {
        const verdict = endpoint.filter
          ? this.compiled(endpoint).test(event)
          : { match: true as const };
        await this.deliveries.add(
          {
            messageId,
            eventId: event.id,
            endpointId: endpoint.id,
            filteredReason: verdict.match ? null : verdict.reason,
          },
          manager,
        );
        if (verdict.match) deliveries++;
        else filtered++;
      }
    }
    // Delivered at commit, to every instance's delivery worker: the new deliveries are due now.
    if (deliveries > 0) await this.deliveries.announceDue(manager);
    return { deliveries, filtered };
  }

  /** Filters compile once per endpoint version; an update (new updated_at) recompiles. */
  private compiled(endpoint: SubscribedEndpoint): CompiledFilter {
    const version = endpoint.updatedAt.getTime();
    const cached = this.filters.get(endpoint.id);
    if (cached && cached.version === version) return cached.compiled;
    const compiled = new CompiledFilter(endpoint.filter as SubscriptionFilter);
    this.filters.set(endpoint.id, { version, compiled });
    return compiled;
  }
}
