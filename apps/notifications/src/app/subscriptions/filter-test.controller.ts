import { Body, Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type NotificationsConfig } from '../notifications-env';
import { checkedFilter } from '../partners/endpoint-fields';
import { MessageId } from '../partners/message-id';
import { type AuthenticatedRequest, PartnerAuthGuard } from '../partners/partner-auth.guard';
import { CompiledFilter } from './subscription-filter';

const SampleEvent = z.record(z.string(), z.unknown());

const TryFilter = z.object({ filter: z.unknown(), event: SampleEvent });

const TryEndpointFilter = z
  .object({
    filter: z.unknown().optional(),
    event: SampleEvent.optional(),
    messageId: MessageId.optional(),
  })
  .refine((b) => (b.event === undefined) !== (b.messageId === undefined), {
    message: 'send either "event" (a sample) or "messageId" (a past message), not both',
  });

/** Dry runs: would this filter let this event through, and if not, why not. */
@Controller('v1')
@UseGuards(PartnerAuthGuard)
export class FilterTestController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  private get s(): string {
    return `"${this.config.DB_SCHEMA}"`;
  }

  /** A proposed filter against a sample event. */
  @Post('filters/test')
  @HttpCode(200)
  tryFilter(@Body(new ZodPipe(TryFilter)) body: z.infer<typeof TryFilter>) {
    const filter = checkedFilter(body.filter);
    return filter ? new CompiledFilter(filter).test(body.event) : { match: true };
  }

  /** An endpoint's filter (or a proposed replacement) against a sample or one of the partner's past messages. */
  @Post('endpoints/:id/filter/test')
  @HttpCode(200)
  async tryEndpointFilter(
    @Req() request: AuthenticatedRequest,
    @Param(
      'id',
      // An id that is not a UUID names no endpoint: 404, as for an unknown one.
      new ZodPipe(z.uuid(), {
        orElse: () => new ApiError(404, 'endpoint_not_found', 'No endpoint of yours has this id'),
      }),
    )
    id: string,
    @Body(new ZodPipe(TryEndpointFilter)) body: z.infer<typeof TryEndpointFilter>,
  ) {
    const [endpoint]: { filter: unknown }[] = await this.dataSource.query(
      `SELECT filter FROM ${this.s}.endpoints WHERE id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (!endpoint)
      throw new ApiError(404, 'endpoint_not_found', 'No endpoint of yours has this id');
    const filter = checkedFilter(body.filter !== undefined ? body.filter : endpoint.filter);
    const event = body.event ?? (await this.pastEvent(request, body.messageId as string));
    return filter ? new CompiledFilter(filter).test(event) : { match: true };
  }

  private async pastEvent(request: AuthenticatedRequest, messageId: string): Promise<unknown> {
    const [message]: { payload: string }[] = await this.dataSource.query(
      `SELECT payload FROM ${this.s}.messages WHERE id = $1 AND partner_id = $2`,
      [messageId, request.partnerId],
    );
    if (!message) throw new ApiError(404, 'message_not_found', 'No message of yours has this id');
    return JSON.parse(message.payload);
  }
}
