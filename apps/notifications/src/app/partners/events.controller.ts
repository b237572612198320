import { Controller, Get, Header, Inject, Param, Req, UseGuards } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type NotificationsConfig } from '../notifications-env';
import { type AuthenticatedRequest, PartnerAuthGuard } from './partner-auth.guard';

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
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  @Get(':id')
  @Header('content-type', 'application/json')
  async get(
    @Req() request: AuthenticatedRequest,
    // An id that is not a UUID names no event: 404, as for an unknown one.
    @Param('id', new ZodPipe(z.uuid(), { orElse: notFound })) id: string,
  ): Promise<string> {
    const [message]: { payload: string }[] = await this.dataSource.query(
      `SELECT payload FROM "${this.config.DB_SCHEMA}".messages WHERE event_id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (!message) throw notFound();
    return message.payload;
  }
}
