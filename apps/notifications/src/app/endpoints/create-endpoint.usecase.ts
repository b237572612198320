import { Injectable } from '@nestjs/common';
import { generateSecret } from '@switchyard/signing';
import { randomUUID } from 'node:crypto';
import { DestinationCheck } from './destination-check';
import { type Endpoint } from './endpoint';
import { checkedFilter, type CreateEndpointCommand } from './endpoint-fields';
import { EndpointRepository } from './endpoint.repository';

/**
 * Registers an endpoint for a partner, with a new signing secret, once its URL is one delivery
 * may reach and its filter one that can be evaluated.
 */
@Injectable()
export class CreateEndpointUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly destinations: DestinationCheck,
  ) {}

  async execute(
    partnerId: string,
    command: CreateEndpointCommand,
  ): Promise<{ endpoint: Endpoint; secret: string }> {
    this.destinations.assertSafe(command.url);
    const filter = checkedFilter(command.filter);
    const secret = generateSecret();
    const endpoint = await this.endpoints.create({
      id: randomUUID(),
      partnerId,
      url: command.url,
      description: command.description,
      eventTypes: command.eventTypes,
      secret,
      headers: command.headers,
      rateLimitPerSecond: command.rateLimitPerSecond,
      fifo: command.fifo,
      retrySchedule: command.retrySchedule,
      filter,
      payloadMode: command.payloadMode,
    });
    return { endpoint, secret };
  }
}
