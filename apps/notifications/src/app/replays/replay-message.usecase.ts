import { Injectable } from '@nestjs/common';
import { replaysTotal } from '../delivery/delivery.metrics';
import { DeliveryRepository } from '../delivery/delivery.repository';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { MessageNotFoundError } from '../messages/message-not-found.error';
import { MessageRepository } from '../messages/message.repository';

/**
 * Sends one of the partner's messages to one of its endpoints again, with a fresh retry
 * schedule, whatever happened before; every instance's worker hears of it at once.
 */
@Injectable()
export class ReplayMessageUseCase {
  constructor(
    private readonly messages: MessageRepository,
    private readonly endpoints: EndpointRepository,
    private readonly deliveries: DeliveryRepository,
  ) {}

  async execute(partnerId: string, messageId: string, endpointId: string) {
    if (!(await this.messages.exists(partnerId, messageId))) throw new MessageNotFoundError();
    if (!(await this.endpoints.exists(partnerId, endpointId))) throw new EndpointNotFoundError();
    const replayed = await this.deliveries.replayMessage(messageId, endpointId);
    replaysTotal.inc({ kind: 'message' }, replayed);
    return { replayed };
  }
}
