import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ApiRoute,
  BODY_ERRORS,
  decodeCursor,
  isoTimestamp,
  PAGE_ERRORS,
  pageOf,
  pageQuery,
  SERVER_ERRORS,
  ZodPipe,
} from '@switchyard/service';
import { z } from 'zod';
import {
  AttemptsQuery,
  type AttemptsQueryInput,
  ListAttemptsUseCase,
} from '../attempts/list-attempts.usecase';
import { AttemptPageResponse } from '../attempts/attempt.response';
import {
  ENDPOINT_NOT_FOUND,
  MESSAGE_NOT_FOUND,
  PARTNER_AUTH_ERRORS,
} from '../notifications-error-cases';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerId } from '../partners/partner-id.decorator';
import { ReplayMessageUseCase } from '../replays/replay-message.usecase';
import { ReplayRangeUseCase } from '../replays/replay-range.usecase';
import { ReplayedResponse } from '../replays/replay.response';
import { MessageId } from './message-id';
import { MessageNotFoundError } from './message-not-found.error';
import { MessageRepository, type MessageSummary } from './message.repository';
import { MessagePageResponse, type MessageResponse } from './message.response';

const ListMessagesQuery = z.strictObject({
  eventType: z.string().max(100).optional(),
  subject: z.string().max(200).optional(),
  ...pageQuery(200),
});

/** The last message of a page: its id, which sorts by time. */
const MessageCursor = z.tuple([MessageId]);

const ReplayToEndpoint = z.object({ endpointId: z.uuid() });

const ReplayRange = z
  .object({
    eventType: z.string().min(1).max(100),
    from: isoTimestamp(),
    to: isoTimestamp(),
    endpointId: z.uuid().optional(),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), {
    message: 'must be before "to"',
    path: ['from'],
  });

const MessageParams = z.object({ id: MessageId });

/** An id that cannot be a message's names none of yours: 404, as an unknown one. */
const messageId = new ZodPipe(MessageParams.shape.id, {
  orElse: () => new MessageNotFoundError(),
});

function messageView(message: MessageSummary): MessageResponse {
  return { ...message, createdAt: message.createdAt.toISOString() };
}

/** A partner's messages, their attempts, and replay. Scoped to the API key's partner. */
@Controller('v1')
@UseGuards(PartnerAuthGuard)
export class MessagesController {
  constructor(
    private readonly messages: MessageRepository,
    private readonly listAttempts: ListAttemptsUseCase,
    private readonly replayMessage: ReplayMessageUseCase,
    private readonly replayRange: ReplayRangeUseCase,
  ) {}

  /** Newest first, each with its deliveries; filter by event type and subject. */
  @Get('messages')
  @ApiRoute({
    summary: 'Your messages, newest first, each with its deliveries; filter by type and subject',
    bearer: true,
    query: ListMessagesQuery,
    response: { status: 200, description: 'A page of messages', schema: MessagePageResponse },
    errors: [...PAGE_ERRORS, ...PARTNER_AUTH_ERRORS, ...SERVER_ERRORS],
  })
  async list(
    @PartnerId() partnerId: string,
    @Query(new ZodPipe(ListMessagesQuery)) query: z.infer<typeof ListMessagesQuery>,
  ): Promise<MessagePageResponse> {
    const before = query.cursor ? decodeCursor(query.cursor, MessageCursor)[0] : null;
    const messages = await this.messages.list(partnerId, {
      ...(query.eventType !== undefined && { eventType: query.eventType }),
      ...(query.subject !== undefined && { subject: query.subject }),
      limit: query.limit + 1,
      beforeId: before,
    });
    return pageOf(messages, query.limit, messageView, (m) => [m.id]);
  }

  /** Every attempt of one message, to every endpoint, newest first; filter by outcome. */
  @Get('messages/:id/attempts')
  @ApiRoute({
    summary: 'Every attempt of one message, to every endpoint, newest first',
    bearer: true,
    params: MessageParams,
    query: AttemptsQuery,
    response: { status: 200, description: 'A page of attempts', schema: AttemptPageResponse },
    errors: [...PAGE_ERRORS, ...PARTNER_AUTH_ERRORS, MESSAGE_NOT_FOUND, ...SERVER_ERRORS],
  })
  attempts(
    @PartnerId() partnerId: string,
    @Param('id', messageId) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ): Promise<AttemptPageResponse> {
    return this.listAttempts.execute(partnerId, { messageId: id }, query);
  }

  /** Sends one message to one endpoint again, with a fresh retry schedule, whatever happened before. */
  @Post('messages/:id/replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send one message to one endpoint again, with a fresh retry schedule',
    bearer: true,
    params: MessageParams,
    body: ReplayToEndpoint,
    response: { status: 202, description: 'The delivery queued again', schema: ReplayedResponse },
    errors: [
      ...BODY_ERRORS,
      ...PARTNER_AUTH_ERRORS,
      MESSAGE_NOT_FOUND,
      ENDPOINT_NOT_FOUND,
      ...SERVER_ERRORS,
    ],
  })
  replay(
    @PartnerId() partnerId: string,
    @Param('id', messageId) id: string,
    @Body(new ZodPipe(ReplayToEndpoint)) body: z.infer<typeof ReplayToEndpoint>,
  ): Promise<ReplayedResponse> {
    return this.replayMessage.execute(partnerId, id, body.endpointId);
  }

  /**
   * Every message of an event type in a time range, to each endpoint of the partner that
   * subscribes to it now (or to the one endpoint named).
   */
  @Post('replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send again every message of an event type in [from, to) to its subscribers',
    bearer: true,
    body: ReplayRange,
    response: { status: 202, description: 'Deliveries queued again', schema: ReplayedResponse },
    errors: [...BODY_ERRORS, ...PARTNER_AUTH_ERRORS, ENDPOINT_NOT_FOUND, ...SERVER_ERRORS],
  })
  replayTimeRange(
    @PartnerId() partnerId: string,
    @Body(new ZodPipe(ReplayRange)) body: z.infer<typeof ReplayRange>,
  ): Promise<ReplayedResponse> {
    return this.replayRange.execute(partnerId, body);
  }
}
