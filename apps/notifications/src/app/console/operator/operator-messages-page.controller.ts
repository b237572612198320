import { Get, Param, Query, Res } from '@nestjs/common';
import { ApiError, pageOf } from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { PartnerRepository } from '../../partners/partner.repository';
import { AttemptRepository, type Attempt } from '../../attempts/attempt.repository';
import { AttemptsQuery, attemptPage } from '../../attempts/list-attempts.usecase';
import { MessageId } from '../../messages/message-id';
import { MessageRepository, type PartnerMessageSummary } from '../../messages/message.repository';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';
import {
  DELIVERY_STATUSES,
  filtered,
  MESSAGE_PAGE,
  nextMessagePageHref,
  parseMessageQuery,
} from '../message-query';
import { OperatorEndpointsRepository } from './operator-endpoints.repository';

/** How much of an endpoint's answer the timeline shows; the attempt keeps the start of it. */
const RESPONSE_EXCERPT = 300;

const NOT_FOUND = () => new ApiError(404, 'not_found', 'There is no such message');

function messageRow(m: PartnerMessageSummary) {
  const counts = new Map<string, number>();
  for (const d of m.deliveries) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
  return {
    ...m,
    createdAt: m.createdAt.toISOString(),
    deliveryCounts: DELIVERY_STATUSES.filter((s) => counts.has(s)).map((s) => ({
      status: s,
      count: counts.get(s) ?? 0,
    })),
  };
}

function attemptRow(a: Attempt) {
  return {
    id: a.id,
    endpointId: a.endpointId,
    attemptedAt: a.attemptedAt.toISOString(),
    statusCode: a.statusCode,
    succeeded: a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300,
    latencyMs: a.latencyMs,
    error: a.error,
    requestHeaders: a.requestHeaders,
    response:
      a.responseBody === null
        ? null
        : a.responseBody.length > RESPONSE_EXCERPT
          ? `${a.responseBody.slice(0, RESPONSE_EXCERPT)}…`
          : a.responseBody,
  };
}

/**
 * Every partner's messages, searched by event id, partner, type, delivery state and time, and one
 * message's timeline: its attempts to each of its endpoints, newest first.
 */
@ConsolePages('console/messages', 'operator')
export class OperatorMessagesPageController {
  constructor(
    private readonly partners: PartnerRepository,
    private readonly views: ConsoleViews,
    private readonly messages: MessageRepository,
    private readonly attempts: AttemptRepository,
    private readonly endpoints: OperatorEndpointsRepository,
  ) {}

  @Get()
  async search(
    @CurrentSession() session: ConsoleSession,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const search = parseMessageQuery(query, 'across-partners');
    const page = search.ok
      ? pageOf(
          await this.messages.listAcrossPartners(search.filter),
          MESSAGE_PAGE,
          messageRow,
          (m) => [m.id],
        )
      : { data: [], nextCursor: null };
    return this.views.render(
      reply,
      './operator/messages',
      {
        title: 'Messages',
        nav: 'messages',
        session,
        fields: search.fields,
        partners: await this.partners.names(),
        states: DELIVERY_STATUSES,
        searched: search.ok && filtered(search.fields),
        messages: page.data,
        nextUrl: page.nextCursor
          ? nextMessagePageHref('/console/messages', search.fields, page.nextCursor)
          : null,
        problem: search.ok ? null : search.problem,
      },
      search.ok ? 200 : 400,
    );
  }

  @Get(':id')
  async timeline(
    @CurrentSession() session: ConsoleSession,
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!MessageId.safeParse(id).success) throw NOT_FOUND();
    const attemptsQuery = AttemptsQuery.safeParse({ cursor: query['cursor'] || undefined });
    if (!attemptsQuery.success)
      throw new ApiError(400, 'invalid_query', problemOf(attemptsQuery.error));
    // The attempts before the deliveries' statuses, so that no attempt is shown beside a status
    // from before it (the two are committed together).
    const attempts = await attemptPage(
      this.attempts,
      { messageId: id },
      attemptsQuery.data,
      attemptRow,
    );
    const [message] = await this.messages.listAcrossPartners({ id, limit: 1, beforeId: null });
    if (!message) throw NOT_FOUND();
    const urls = new Map<string, string>();
    for (const d of message.deliveries) {
      const endpoint = await this.endpoints.find(d.endpointId);
      urls.set(d.endpointId, endpoint?.url ?? 'an endpoint since removed');
    }
    return this.views.render(reply, './operator/message', {
      title: `Message ${message.id}`,
      nav: 'messages',
      session,
      message: messageRow(message),
      urls: Object.fromEntries(urls),
      attempts: attempts.data,
      nextUrl: attempts.nextCursor
        ? `/console/messages/${message.id}?cursor=${encodeURIComponent(attempts.nextCursor)}`
        : null,
    });
  }
}
