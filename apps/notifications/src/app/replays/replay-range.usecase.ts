import { Injectable } from '@nestjs/common';
import { replaysTotal } from '../delivery/delivery.metrics';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { inBatches } from './replay-batches';

export interface ReplayRangeCommand {
  readonly eventType: string;
  readonly from: string;
  readonly to: string;
  readonly endpointId?: string | undefined;
}

/**
 * Every message of an event type in a time range, to each endpoint of the partner that
 * subscribes to it now (or to the one endpoint named), in batches. Every instance's worker hears
 * of each batch at once.
 */
@Injectable()
export class ReplayRangeUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async execute(partnerId: string, command: ReplayRangeCommand) {
    const endpointId = command.endpointId ?? null;
    if (endpointId !== null && !(await this.endpoints.exists(partnerId, endpointId)))
      throw new EndpointNotFoundError();
    const replayed = await inBatches((batch) =>
      this.deliveries.replayRange(
        {
          partnerId,
          eventType: command.eventType,
          from: command.from,
          to: command.to,
          endpointId,
        },
        batch,
      ),
    );
    replaysTotal.inc({ kind: 'range' }, replayed);
    return { replayed };
  }
}
