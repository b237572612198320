import { Injectable } from '@nestjs/common';
import { type DomainEvent, patternsMatching } from '@switchyard/contracts';
import { type InboxRow } from '@switchyard/messaging';
import { afterCommit } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EndpointRepository, type SubscribedEndpoint } from '../endpoints/endpoint.repository';
import { deliveriesTotal } from './delivery.metrics';
import { EndpointLabels } from './endpoint-labels';
import { FanOutRepository } from './fan-out.repository';
import { SubscribedFilters } from './subscribed-filters';

export interface FanOutResult {
  readonly deliveries: number;
  readonly filtered: number;
}

/**
 * Turns one event into one message per subscribed partner and one delivery per subscribed
 * endpoint whose filter matches. An endpoint whose filter does not match gets a `filtered`
 * delivery that is never sent and says why, so the partner's message log shows it. Runs inside
 * the inbox transaction, or, given the event's `InboxRow`, outside any, its inbox row written in
 * the same statement: either way one write whatever the number of endpoints (the messages and
 * their deliveries together); the unique keys make a replayed event create nothing.
 */
@Injectable()
export class FanOutUseCase {
  private readonly filters = new SubscribedFilters();
  /**
   * The subscribed endpoints by event type, read once per inbox transaction: a batch's events
   * are fanned out as of its first read for their type, as if they had all arrived together,
   * where each used to read them again.
   */
  private readonly subscribedIn = new WeakMap<
    EntityManager,
    Map<string, Promise<SubscribedEndpoint[]>>
  >();

  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly fanOut: FanOutRepository,
    private readonly endpointLabels: EndpointLabels,
  ) {}

  async execute(
    manager: EntityManager,
    event: DomainEvent,
    inboxRow: InboxRow | null = null,
  ): Promise<FanOutResult> {
    const subscribed = await this.subscribedTo(event.type, manager);
    if (subscribed.length === 0) {
      await inboxRow?.recordAlone(manager);
      return { deliveries: 0, filtered: 0 };
    }
    const verdicts = this.filters.verdicts(event.type, subscribed, event);
    const partners = [...new Set(verdicts.map((v) => v.endpoint.partnerId))];
    // Announces the new due deliveries to every instance's delivery worker, at commit.
    const { fresh } = await this.fanOut.write(
      {
        eventId: event.id,
        eventType: event.type,
        subject: event.subject,
        payload: JSON.stringify(event),
      },
      partners.map((partnerId) => ({ id: `msg_${uuidv7()}`, partnerId })),
      verdicts.map(({ endpoint, reason }) => ({
        partnerId: endpoint.partnerId,
        endpointId: endpoint.id,
        filteredReason: reason,
      })),
      manager,
      inboxRow,
    );
    if (!fresh) return { deliveries: 0, filtered: 0 };
    const ruledOut = verdicts.filter((v) => v.reason !== null);
    if (ruledOut.length > 0) {
      afterCommit(manager, () => {
        for (const { endpoint } of ruledOut) {
          deliveriesTotal.inc({
            result: 'filtered',
            endpoint: this.endpointLabels.of(endpoint.id),
          });
        }
      });
    }
    return { deliveries: verdicts.length - ruledOut.length, filtered: ruledOut.length };
  }

  private subscribedTo(eventType: string, manager: EntityManager): Promise<SubscribedEndpoint[]> {
    const read = () => this.endpoints.subscribedTo(patternsMatching(eventType), manager);
    // Outside a transaction there is nothing to share a read with.
    if (!manager.queryRunner?.isTransactionActive) return read();
    let byType = this.subscribedIn.get(manager);
    if (!byType) this.subscribedIn.set(manager, (byType = new Map()));
    let shared = byType.get(eventType);
    if (!shared) byType.set(eventType, (shared = read()));
    return shared;
  }
}
