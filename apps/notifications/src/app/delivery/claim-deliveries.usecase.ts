import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type NotificationsConfig } from '../notifications-env';
import { type ClaimedPush, PushDeliveryRepository } from '../push/push-delivery.repository';
import { PushTransports } from '../push/push-transports';
import { type ClaimedDelivery, DeliveryRepository, type DueDelivery } from './delivery.repository';
import { EndpointStateRepository } from './endpoint-state.repository';

export interface Claim {
  readonly deliveries: ClaimedDelivery[];
  /** Pushes to devices, claimed in the same transaction (none when push is not configured). */
  readonly pushes: ClaimedPush[];
  /**
   * The claimed deliveries that won a slot on their endpoint (a rate limit, FIFO order, a probe),
   * each with its endpoint's rate limit: the next delivery to that endpoint waits for this one's
   * record, or for its next rate slot, and the claim query does not see it until then.
   */
  readonly gated: ReadonlyMap<string, number | null>;
  readonly more: boolean;
}

/**
 * Claims due deliveries for one instance: in one statement while no endpoint needs a slot taken
 * (and no push is configured), else in one transaction. Rows are taken with SKIP LOCKED, so
 * instances never take the same one. Endpoints with a rate limit, FIFO order or a circuit
 * about to probe get at most one delivery per claim, and only after winning a slot on the
 * endpoint's row, which every instance contends for: the limits hold across instances.
 */
@Injectable()
export class ClaimDeliveriesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryRepository,
    private readonly endpointState: EndpointStateRepository,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly pushDeliveries: PushDeliveryRepository,
    private readonly transports: PushTransports,
  ) {}

  /**
   * `instanceId` becomes the leases' owner, the only one that may renew them or record the
   * attempt. `more` says whether more may be due already: the claim was full, or it passed over
   * deliveries waiting for a slot (a rate limit, a FIFO head, a probe).
   */
  async execute(limit: number, instanceId: string): Promise<Claim> {
    if (this.transports.enabled) return this.claimInTransaction(limit, limit, instanceId);
    // Most claims need no slot taken on any endpoint: one statement, no transaction.
    const free = await this.deliveries.claimFree(
      limit,
      this.config.DELIVERY_BREAKER_THRESHOLD,
      instanceId,
      this.leaseSeconds,
    );
    if (!free.passedOver) {
      return { deliveries: free.leased, pushes: [], gated: new Map(), more: free.due === limit };
    }
    try {
      const rest = await this.claimInTransaction(limit, limit - free.leased.length, instanceId);
      return { ...rest, deliveries: [...free.leased, ...rest.deliveries] };
    } catch (err) {
      // The caller never hears of the leases taken above: give them back, so they do not wait
      // out the lease (a database that is down keeps them until it ends, as a crash would).
      await this.deliveries.unlease(free.leased, instanceId).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The claim of deliveries that take a slot on their endpoint first, and of pushes: locked in a
   * transaction while the slots are won. `room` is how many it may lease, at most `limit`, the
   * size of the query (a few sizes keep a few statement texts).
   */
  private claimInTransaction(limit: number, room: number, instanceId: string): Promise<Claim> {
    return this.dataSource.transaction(async (manager) => {
      const leaseSeconds = this.leaseSeconds;
      // Pushes take up to a quarter of the room, so a webhook backlog never starves them.
      const pushLimit = this.transports.enabled ? Math.max(1, Math.floor(limit / 4)) : 0;
      const { due: duePushes, orphaned } =
        pushLimit > 0
          ? await this.pushDeliveries.due(pushLimit, this.transports.platforms, manager)
          : { due: [], orphaned: [] };
      await this.pushDeliveries.failOrphaned(orphaned, manager);
      const pushes = await this.pushDeliveries.lease(duePushes, instanceId, leaseSeconds, manager);
      const left = room - pushes.length;
      const due = await this.deliveries.due(limit, this.config.DELIVERY_BREAKER_THRESHOLD, manager);
      const chosen: DueDelivery[] = [];
      const contenders = new Map<string, DueDelivery>();
      for (const delivery of due.slice(0, Math.max(0, left))) {
        if (!isGated(delivery)) chosen.push(delivery);
        else if (!contenders.has(delivery.endpointId))
          contenders.set(delivery.endpointId, delivery);
      }
      // Slots are taken on the endpoints' rows in the order of their ids: two instances claiming
      // at once take those rows in the same order, and never wait for each other's (a deadlock).
      for (const endpointId of [...contenders.keys()].sort()) {
        const delivery = contenders.get(endpointId) as DueDelivery;
        if (await this.winSlot(delivery, manager)) chosen.push(delivery);
      }
      const more =
        due.length === limit ||
        chosen.length < due.length ||
        (pushLimit > 0 && duePushes.length + orphaned.length === pushLimit);
      const gated = new Map(
        chosen.filter(isGated).map((d) => [d.id, d.rateLimitPerSecond] as const),
      );
      if (chosen.length === 0) return { deliveries: [], pushes, gated, more };
      const deliveries = await this.deliveries.lease(chosen, instanceId, leaseSeconds, manager);
      return { deliveries, pushes, gated, more };
    });
  }

  private get leaseSeconds(): number {
    return this.config.DELIVERY_LEASE_MS / 1000;
  }

  /** Takes the endpoint's next rate slot and, for an open circuit, its single probe; both or neither. */
  private async winSlot(delivery: DueDelivery, manager: EntityManager): Promise<boolean> {
    if (
      delivery.rateLimitPerSecond !== null &&
      !(await this.endpointState.takeRateSlot(delivery.endpointId, manager))
    ) {
      return false;
    }
    // Half-open: one probe; the circuit stays shut to everything else until its answer.
    return (
      !delivery.probing ||
      this.endpointState.takeProbe(
        delivery.endpointId,
        this.config.DELIVERY_BREAKER_COOLDOWN_MS,
        manager,
      )
    );
  }
}

function isGated(delivery: DueDelivery): boolean {
  return delivery.rateLimitPerSecond !== null || delivery.fifo || delivery.probing;
}
