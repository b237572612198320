import { Body, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AttemptsQuery, ListAttemptsUseCase } from '../../attempts/list-attempts.usecase';
import { EndpointNotFoundError } from '../../endpoints/endpoint-not-found.error';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { MessageId } from '../../messages/message-id';
import { MessageNotFoundError } from '../../messages/message-not-found.error';
import { MessageRepository } from '../../messages/message.repository';
import { ReplayMessageUseCase } from '../../replays/replay-message.usecase';
import { ConsolePages, CurrentSession } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { consoleTime, formFields, problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';
import { encodeCursor } from '@switchyard/service';
import {
  DELIVERY_STATUSES,
  filtered,
  MESSAGE_PAGE,
  nextMessagePageHref,
  parseMessageQuery,
} from '../message-query';
import {
  attemptView,
  endpointNames,
  type EndpointNames,
  messageView,
  prettyPayload,
} from './message-views';
import { NOT_FOUND, partnerOf } from './portal-scope';
import { RecoverFailedMessagesUseCase } from './recover-failed-messages.usecase';

const ENDPOINTS_SHOWN = 200;
const ATTEMPTS_SHOWN = 100;

const ResendForm = z.object({ endpointId: z.uuid('must be one of the endpoints listed') });
const RecoverForm = z.object({ since: consoleTime });
const AttemptsPage = z.object({ cursor: z.string().max(500).optional() });

/** What the log page shows besides its messages: a problem, or what a recovery scheduled. */
interface LogNotice {
  readonly problem?: string;
  readonly recovered?: number;
  readonly recoverSince?: string;
}

/**
 * The partner's message log, one message with its attempts, and sending again: the API's
 * listing, attempt log and replays, with the partner taken from the session only.
 */
@ConsolePages('portal/messages', 'partner')
export class PortalMessagesPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly messages: MessageRepository,
    private readonly endpoints: EndpointRepository,
    private readonly listAttempts: ListAttemptsUseCase,
    private readonly replayMessage: ReplayMessageUseCase,
    private readonly recoverFailed: RecoverFailedMessagesUseCase,
  ) {}

  /** Filters come in the URL, so a filtered log can be shared and the back button works. */
  @Get()
  log(
    @CurrentSession() session: ConsoleSession,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.renderLog(reply, session, query, {});
  }

  @Post('recover')
  async recover(
    @CurrentSession() session: ConsoleSession,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const fields = formFields(body);
    const form = RecoverForm.safeParse(fields);
    if (!form.success) {
      return this.renderLog(
        reply,
        session,
        {},
        { problem: problemOf(form.error), recoverSince: fields['since'] ?? '' },
        400,
      );
    }
    const { replayed } = await this.recoverFailed.execute(partnerOf(session), form.data.since);
    return this.renderLog(
      reply,
      session,
      {},
      { recovered: replayed, recoverSince: fields['since'] ?? '' },
      201,
    );
  }

  @Get(':id')
  async one(
    @CurrentSession() session: ConsoleSession,
    @Param('id') id: string,
    @Query() query: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.renderMessage(reply, session, id, query, {});
  }

  /** To one endpoint at a time, as the API's replay: a fresh retry schedule whatever happened. */
  @Post(':id/resend')
  async resend(
    @CurrentSession() session: ConsoleSession,
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const partnerId = partnerOf(session);
    const messageId = ownMessageId(id);
    const form = ResendForm.safeParse(formFields(body));
    if (!form.success) {
      return this.renderMessage(reply, session, id, {}, { problem: problemOf(form.error) }, 400);
    }
    try {
      await this.replayMessage.execute(partnerId, messageId, form.data.endpointId);
    } catch (error) {
      if (error instanceof MessageNotFoundError || error instanceof EndpointNotFoundError)
        throw NOT_FOUND();
      throw error;
    }
    return this.views.seeOther(request, reply, `/portal/messages/${messageId}?resent=1`);
  }

  private async renderLog(
    reply: FastifyReply,
    session: ConsoleSession,
    query: unknown,
    notice: LogNotice,
    status = 200,
  ): Promise<string> {
    const partnerId = partnerOf(session);
    const parsed = parseMessageQuery(query, 'partner');
    const rows = parsed.ok ? await this.messages.list(partnerId, parsed.filter) : [];
    const names = await this.endpointNames(partnerId);
    const shown = rows.slice(0, MESSAGE_PAGE);
    const last = shown.at(-1);
    return this.views.render(
      reply,
      './portal/messages',
      {
        title: 'Messages',
        nav: 'messages',
        session,
        fields: parsed.fields,
        statuses: DELIVERY_STATUSES,
        filtered: filtered(parsed.fields),
        messages: shown.map((m) => messageView(m, names)),
        olderHref:
          rows.length > MESSAGE_PAGE && last
            ? nextMessagePageHref('/portal/messages', parsed.fields, encodeCursor([last.id]))
            : null,
        problem: parsed.ok ? notice.problem : parsed.problem,
        recovered: notice.recovered,
        recoverSince: notice.recoverSince ?? '',
      },
      parsed.ok ? status : 400,
    );
  }

  private async renderMessage(
    reply: FastifyReply,
    session: ConsoleSession,
    id: string,
    query: unknown,
    notice: { readonly problem?: string },
    status = 200,
  ): Promise<string> {
    const partnerId = partnerOf(session);
    const messageId = ownMessageId(id);
    const page = AttemptsPage.safeParse(query);
    // The attempts before the deliveries' statuses: an attempt and its delivery's status are
    // committed together, so the statuses read after are at least as new (read the other way
    // round, a commit in between showed a new attempt beside the status from before it).
    const attempts = await this.listAttempts
      .execute(
        partnerId,
        { messageId },
        AttemptsQuery.parse({
          limit: ATTEMPTS_SHOWN,
          cursor: page.success ? page.data.cursor : undefined,
        }),
      )
      .catch((error: unknown) => {
        throw error instanceof MessageNotFoundError ? NOT_FOUND() : error;
      });
    const [message, payload] = await Promise.all([
      this.messages.find(partnerId, messageId),
      this.messages.payload(partnerId, { id: messageId }),
    ]);
    if (!message || payload === undefined) throw NOT_FOUND();
    const names = await this.endpointNames(partnerId);
    return this.views.render(
      reply,
      './portal/message',
      {
        title: `Message ${message.id}`,
        nav: 'messages',
        session,
        message: messageView(message, names),
        payload: prettyPayload(payload),
        attempts: attempts.data.map((a) => attemptView(a, names)),
        olderHref: attempts.nextCursor
          ? `/portal/messages/${message.id}?cursor=${encodeURIComponent(attempts.nextCursor)}`
          : null,
        resent: typeof query === 'object' && query !== null && 'resent' in query,
        problem: notice.problem,
      },
      status,
    );
  }

  private async endpointNames(partnerId: string): Promise<EndpointNames> {
    return endpointNames(await this.endpoints.list(partnerId, ENDPOINTS_SHOWN, null));
  }
}

/** A message id of the right shape, or the same 404 as for another partner's message. */
function ownMessageId(id: string): string {
  const parsed = MessageId.safeParse(id);
  if (!parsed.success) throw NOT_FOUND();
  return parsed.data;
}
