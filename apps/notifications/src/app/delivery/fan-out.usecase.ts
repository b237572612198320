import { Inject, Injectable } from '@nestjs/common';
import { type DomainEvent, patternsMatching } from '@switchyard/contracts';
import { type InboxRow } from '@switchyard/messaging';
import {
  afterCommit,
  gatherUntilCommit,
  inTransaction,
  SERVICE_CONFIG,
  transactionLocal,
} from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { EndpointRepository, type SubscribedEndpoint } from '../endpoints/endpoint.repository';
import { type NotificationsConfig } from '../notifications-env';
import { DeliveryHandOff } from './delivery-hand-off';
import { deliveriesTotal } from './delivery.metrics';
import { EndpointLabels } from './endpoint-labels';
import { FanOutRepository, type FanOutWrite, type LeaseAtWrite } from './fan-out.repository';
import { SubscribedFilters } from './subscribed-filters';

export interface FanOutResult {
  readonly deliveries: number;
  readonly filtered: number;
}

/**
 * Turns one event into one message per subscribed partner and one delivery per subscribed
 * endpoint whose filter matches. An endpoint whose filter does not match gets a `filtered`
 * delivery that is never sent and says why, so the partner's message log shows it. Runs inside
 * the inbox transaction, whose events' messages and deliveries are written together at its
 * commit, or, given the event's `InboxRow`, outside any, its inbox row written in the same
 * statement; the unique keys make a replayed event create nothing. Deliveries to free endpoints
 * are leased to this instance's worker as they are written, as many as it has room for, and
 * handed to it once committed (`DeliveryHandOff`): they go out without a claim.
 */
@Injectable()
export class FanOutUseCase {
  private readonly filters = new SubscribedFilters();
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly fanOut: FanOutRepository,
    private readonly endpointLabels: EndpointLabels,
    private readonly handOff: DeliveryHandOff,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async execute(
    manager: EntityManager,
    event: DomainEvent,
    inboxRow: InboxRow | null = null,
  ): Promise<FanOutResult> {
    // Taken alone, an event nothing subscribes to is recorded by the read itself.
    const subscribed = inboxRow
      ? await this.endpoints.subscribedToOrRecord(patternsMatching(event.type), inboxRow, manager)
      : await this.subscribedTo(event.type, manager);
    if (subscribed.length === 0) return { deliveries: 0, filtered: 0 };
    const verdicts = this.filters.verdicts(event.type, subscribed, event);
    const partners = [...new Set(verdicts.map((v) => v.endpoint.partnerId))];
    const write: FanOutWrite = {
      event: {
        eventId: event.id,
        eventType: event.type,
        subject: event.subject,
        payload: JSON.stringify(event),
      },
      messages: partners.map((partnerId) => ({ id: `msg_${uuidv7()}`, partnerId })),
      deliveries: verdicts.map(({ endpoint, reason }) => ({
        partnerId: endpoint.partnerId,
        endpointId: endpoint.id,
        filteredReason: reason,
      })),
    };
    // In the inbox transaction the event is new (the inbox said so): its writes join the
    // transaction's others in one statement at commit. Alone, it writes now, with its inbox row.
    const { fresh } =
      !inboxRow && inTransaction(manager)
        ? this.gather(manager, write)
        : await this.writeAndHandOff([write], manager, inboxRow);
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

  /**
   * Adds an event's writes to those its transaction makes at commit: a consumed batch's messages
   * and deliveries go in one statement, where each event made one of its own. That statement
   * belongs to no one event, so it runs outside the events' consumer spans (traces show the
   * batch's commit, not each event, taking its time).
   */
  private gather(manager: EntityManager, write: FanOutWrite): { fresh: true } {
    gatherUntilCommit(manager, this, write, async (writes) => {
      await this.writeAndHandOff(writes, manager, null);
    });
    return { fresh: true };
  }

  /** Writes, leasing what the worker has room for, and hands that to it once committed. */
  private async writeAndHandOff(
    writes: readonly FanOutWrite[],
    manager: EntityManager,
    inboxRow: InboxRow | null,
  ): Promise<{ fresh: boolean }> {
    const { fresh, leased } = await this.fanOut.write(writes, manager, inboxRow, this.leaseOffer());
    if (leased.length > 0) afterCommit(manager, () => this.handOff.give(leased));
    return { fresh };
  }

  private leaseOffer(): LeaseAtWrite | null {
    const offer = this.handOff.offer();
    if (!offer) return null;
    return {
      ...offer,
      leaseSeconds: this.config.DELIVERY_LEASE_MS / 1000,
      breakerThreshold: this.config.DELIVERY_BREAKER_THRESHOLD,
    };
  }

  /**
   * The subscribed endpoints by event type, read once per inbox transaction: a batch's events
   * are fanned out as of its first read for their type, as if they had all arrived together,
   * where each used to read them again.
   */
  private subscribedTo(eventType: string, manager: EntityManager): Promise<SubscribedEndpoint[]> {
    const read = () => this.endpoints.subscribedTo(patternsMatching(eventType), manager);
    // Outside a transaction there is nothing to share a read with.
    if (!inTransaction(manager)) return read();
    const byType = transactionLocal(
      manager,
      this,
      () => new Map<string, Promise<SubscribedEndpoint[]>>(),
    );
    let shared = byType.get(eventType);
    if (!shared) byType.set(eventType, (shared = read()));
    return shared;
  }
}
