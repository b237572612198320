import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { checkedFilter } from '../endpoints/endpoint-fields';
import { EndpointNotFoundError } from '../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { MessageId } from '../messages/message-id';
import { MessageNotFoundError } from '../messages/message-not-found.error';
import { MessageRepository } from '../messages/message.repository';
import { CompiledFilter, type FilterVerdict, type SubscriptionFilter } from './subscription-filter';

const SampleEvent = z.record(z.string(), z.unknown());

/** The body of `POST /v1/filters/test`. */
export const TryFilterSchema = z.object({ filter: z.unknown(), event: SampleEvent });
export type TryFilterCommand = z.infer<typeof TryFilterSchema>;

/** The body of `POST /v1/endpoints/:id/filter/test`. */
export const TryEndpointFilterSchema = z
  .object({
    filter: z.unknown().optional(),
    event: SampleEvent.optional(),
    messageId: MessageId.optional(),
  })
  .refine((b) => (b.event === undefined) !== (b.messageId === undefined), {
    message: 'send either "event" (a sample) or "messageId" (a past message), not both',
  });
export type TryEndpointFilterCommand = z.infer<typeof TryEndpointFilterSchema>;

/** Dry runs: would this filter let this event through, and if not, why not. Nothing is sent. */
@Injectable()
export class DryRunFilterUseCase {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly messages: MessageRepository,
  ) {}

  /** A proposed filter against a sample event. */
  sample(command: TryFilterCommand): FilterVerdict {
    return verdict(checkedFilter(command.filter), command.event);
  }

  /** An endpoint's filter (or a proposed replacement) against a sample or one of the partner's past messages. */
  async endpoint(
    partnerId: string,
    endpointId: string,
    command: TryEndpointFilterCommand,
  ): Promise<FilterVerdict> {
    const endpoint = await this.endpoints.find(partnerId, endpointId);
    if (!endpoint) throw new EndpointNotFoundError();
    const filter = checkedFilter(command.filter !== undefined ? command.filter : endpoint.filter);
    return verdict(filter, command.event ?? (await this.pastEvent(partnerId, command.messageId)));
  }

  private async pastEvent(partnerId: string, messageId: string | undefined): Promise<unknown> {
    const payload = messageId && (await this.messages.payload(partnerId, { id: messageId }));
    if (!payload) throw new MessageNotFoundError();
    return JSON.parse(payload);
  }
}

function verdict(filter: SubscriptionFilter | null, event: unknown): FilterVerdict {
  return filter ? new CompiledFilter(filter).test(event) : { match: true };
}
