import { Body, Get, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { EventTypes } from '@switchyard/contracts';
import { ApiError, decodeCursor, pageOf } from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { PartnerRepository } from '../../partners/partner.repository';
import { z } from 'zod';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { formFields, optionalFilter, problemOf } from '../console-form';
import {
  type EndpointActionDone,
  OperatorEndpointActionsUseCase,
} from './operator-endpoint-actions.usecase';
import {
  ENDPOINT_HEALTHS,
  type OperatorEndpoint,
  OperatorEndpointsRepository,
} from './operator-endpoints.repository';

const PAGE_SIZE = 50;

/** The list's filters, from the address or, after an action, from the form's hidden fields. */
const EndpointFilters = z.object({
  partner: optionalFilter(z.uuid()),
  state: optionalFilter(z.enum(ENDPOINT_HEALTHS)),
  cursor: optionalFilter(z.string().max(500)),
});
type EndpointFilters = z.infer<typeof EndpointFilters>;

/** The last endpoint of a page: its creation time (to the millisecond) and id. */
const EndpointCursor = z.tuple([z.iso.datetime(), z.uuid()]);

const TestEventType = z.enum(EventTypes);

const NOT_FOUND = () => new ApiError(404, 'not_found', 'There is no such endpoint');

/** An endpoint as the page shows it: dates as text, and which actions make sense now. */
function endpointRow(e: OperatorEndpoint) {
  return {
    ...e,
    failingSince: e.failingSince?.toISOString() ?? null,
    circuitOpenUntil:
      e.health === 'circuit-open' ? (e.circuitOpenUntil?.toISOString() ?? null) : null,
    canReset: e.consecutiveFailures > 0 || e.health === 'circuit-open',
  };
}

/** The address of the list with these filters (and page), as links and the filter form keep them. */
function listUrl(filters: EndpointFilters, cursor?: string): string {
  const query = new URLSearchParams();
  if (filters.partner) query.set('partner', filters.partner);
  if (filters.state) query.set('state', filters.state);
  if (cursor) query.set('cursor', cursor);
  const text = query.toString();
  return text ? `/console/endpoints?${text}` : '/console/endpoints';
}

/**
 * Every partner's endpoints with their circuits, filtered by partner and state, and what an
 * operator does to one: pause, resume, reset its circuit, rotate its secret (never shown here).
 */
@ConsolePages('console/endpoints', 'operator')
export class OperatorEndpointsPageController {
  constructor(
    private readonly partners: PartnerRepository,
    private readonly views: ConsoleViews,
    private readonly endpoints: OperatorEndpointsRepository,
    private readonly actions: OperatorEndpointActionsUseCase,
  ) {}

  @Get()
  page(
    @CurrentSession() session: ConsoleSession,
    @Query() query: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const filters = EndpointFilters.safeParse(query);
    if (!filters.success)
      return this.render(reply, session, {}, { problem: problemOf(filters.error) }, 400);
    return this.render(reply, session, filters.data, {});
  }

  @Post(':id/pause')
  pause(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    // The guard lets only operators' sessions through; this keeps the compiler sure of it too.
    if (session.kind !== 'operator') throw NOT_FOUND();
    const { email } = session;
    return this.act(reply, session, body, () => this.actions.pause(id, email));
  }

  @Post(':id/resume')
  resume(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.act(reply, session, body, () => this.actions.resume(id));
  }

  @Post(':id/reset-circuit')
  resetCircuit(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.act(reply, session, body, () => this.actions.resetCircuit(id));
  }

  @Post(':id/rotate-secret')
  rotateSecret(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.act(reply, session, body, () => this.actions.rotate(id));
  }

  @Post(':id/send-test')
  sendTest(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const type = TestEventType.safeParse(formFields(body)['eventType']);
    if (!type.success)
      throw new ApiError(400, 'invalid_event_type', 'Choose an event type of the catalog');
    const eventType = type.data;
    return this.act(reply, session, body, () => this.actions.sendTest(id, eventType));
  }

  /** Does it, then shows the list as the operator had it filtered, saying what was done. */
  private async act(
    reply: FastifyReply,
    session: ConsoleSession,
    body: unknown,
    action: () => Promise<EndpointActionDone>,
  ): Promise<string> {
    const filters = EndpointFilters.safeParse(formFields(body));
    const done = await action();
    return this.render(reply, session, filters.success ? filters.data : {}, { done });
  }

  private async render(
    reply: FastifyReply,
    session: ConsoleSession,
    filters: EndpointFilters,
    extra: { problem?: string; done?: EndpointActionDone },
    status = 200,
  ): Promise<string> {
    const after = filters.cursor ? decodeCursor(filters.cursor, EndpointCursor) : null;
    const rows = await this.endpoints.list({
      ...(filters.partner && { partnerId: filters.partner }),
      ...(filters.state && { health: filters.state }),
      limit: PAGE_SIZE + 1,
      before: after && { createdAt: after[0], id: after[1] },
    });
    const page = pageOf(rows, PAGE_SIZE, endpointRow, (e) => [e.createdAt.toISOString(), e.id]);
    return this.views.render(
      reply,
      './operator/endpoints',
      {
        title: 'Endpoints',
        nav: 'endpoints',
        session,
        filters: { partner: filters.partner ?? '', state: filters.state ?? '' },
        partners: await this.partners.names(),
        states: ENDPOINT_HEALTHS,
        endpoints: page.data,
        eventTypes: EventTypes,
        nextUrl: page.nextCursor ? listUrl(filters, page.nextCursor) : null,
        problem: extra.problem ?? null,
        done: extra.done ? doneView(extra.done) : null,
      },
      status,
    );
  }
}

/** The sentence saying what an action did, and when a rotated secret's predecessor stops signing. */
function doneView(done: EndpointActionDone): { kind: string; text: string; until: string | null } {
  const which = `${done.endpoint.url} (${done.endpoint.partnerName})`;
  switch (done.kind) {
    case 'paused':
      return {
        kind: done.kind,
        text: `Paused ${which}: nothing is sent to it until it is resumed.`,
        until: null,
      };
    case 'resumed':
      return {
        kind: done.kind,
        text: `Resumed ${which}: its deliveries go out again.`,
        until: null,
      };
    case 'circuit-reset':
      return {
        kind: done.kind,
        text: `Reset the circuit of ${which}: its deliveries go out now${done.madeDue > 0 ? `, ${done.madeDue} of them brought forward from a later retry` : ''}.`,
        until: null,
      };
    case 'test-sent':
      return {
        kind: done.kind,
        text: `Sent an example ${done.eventType} to ${which} as message ${done.messageId}.`,
        until: null,
      };
    case 'secret-rotated':
      return {
        kind: done.kind,
        text: `Rotated the signing secret of ${which}. The partner reads the new one through the API (GET /v1/endpoints/${done.endpoint.id}/secret); the previous one keeps signing until`,
        until: done.previousSecretExpiresAt.toISOString(),
      };
  }
}
