import { Injectable } from '@nestjs/common';
import { DestinationCheck } from './destination-check';
import { type Endpoint } from './endpoint';
import { checkedFilter, type UpdateEndpointCommand } from './endpoint-fields';
import { EndpointNotFoundError } from './endpoint-not-found.error';
import { EndpointRepository } from './endpoint.repository';

/** Changes a partner's endpoint: a new URL must be safe, a new filter valid; `filter: null` removes it. */
@Injectable()
export class UpdateEndpointUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly destinations: DestinationCheck,
  ) {}

  async execute(partnerId: string, id: string, command: UpdateEndpointCommand): Promise<Endpoint> {
    if (command.url) this.destinations.assertSafe(command.url);
    const { filter, ...fields } = command;
    const updated = await this.endpoints.update(partnerId, id, {
      ...fields,
      ...(filter !== undefined && { filter: checkedFilter(filter) }),
    });
    if (!updated) throw new EndpointNotFoundError();
    return updated;
  }
}
