import { Controller, Get, Header, Param, UseGuards } from '@nestjs/common';
import { EnvelopeSchema } from '@switchyard/contracts';
import { ApiError, ApiRoute, SERVER_ERRORS, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerId } from '../partners/partner-id.decorator';
import { PARTNER_AUTH_ERRORS } from '../notifications-error-cases';
import { MessageRepository } from './message.repository';

const EventParams = z.object({ id: z.uuid() });

function notFound(): ApiError {
  return new ApiError(404, 'event_not_found', 'No event with this id was sent to you');
}

/**
 * The full event behind a thin webhook, for the partner whose endpoint received it and for no
 * other: a message exists only for partners the event was fanned out to.
 */
@Controller('v1/events')
@UseGuards(PartnerAuthGuard)
export class EventsController {
  constructor(private readonly messages: MessageRepository) {}

  @Get(':id')
  @Header('content-type', 'application/json')
  @ApiRoute({
    summary: 'The full event behind a thin webhook (the event envelope, as sent in full mode)',
    bearer: true,
    params: EventParams,
    response: { status: 200, description: 'The event', schema: EnvelopeSchema },
    errors: [
      ...PARTNER_AUTH_ERRORS,
      { status: 404, code: 'event_not_found', when: 'no event with this id was sent to you' },
      ...SERVER_ERRORS,
    ],
  })
  async get(
    @PartnerId() partnerId: string,
    // An id that is not a UUID names no event: 404, as for an unknown one.
    @Param('id', new ZodPipe(EventParams.shape.id, { orElse: notFound })) id: string,
  ): Promise<string> {
    const payload = await this.messages.payload(partnerId, { eventId: id });
    if (payload === undefined) throw notFound();
    return payload;
  }
}
