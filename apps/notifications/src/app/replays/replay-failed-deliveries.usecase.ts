import { Injectable } from '@nestjs/common';
import { replaysTotal } from '../delivery/delivery.metrics';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { inBatches } from './replay-batches';

/**
 * Every failed delivery of one of the partner's endpoints since a time, due again with a fresh
 * schedule, in batches: no cap on how many. Every instance's worker hears of each batch at once.
 */
@Injectable()
export class ReplayFailedDeliveriesUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async execute(partnerId: string, endpointId: string, since: string) {
    if (!(await this.endpoints.exists(partnerId, endpointId))) throw new EndpointNotFoundError();
    const replayed = await inBatches((batch) =>
      this.deliveries.replayFailed(endpointId, since, batch),
    );
    replaysTotal.inc({ kind: 'failed' }, replayed);
    return { replayed };
  }
}
