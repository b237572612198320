import { Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ConsolePages, CurrentSession } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { problemOf } from '../console-form';
import { ConsoleViews } from '../console-views';
import { PaymentsAdminClient, type StripeEventView } from './payments-admin.client';

const STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;
const STRIPE_EVENT_ID = /^evt_\w+$/;

/** The search form: one box for an `evt_` id or an order id, a status, a type, a page. */
const SearchQuery = z.object({
  q: z.string().trim().max(200).optional().default(''),
  status: z
    .union([z.enum(STATUSES), z.literal('')])
    .optional()
    .default(''),
  type: z.string().trim().max(100).optional().default(''),
  cursor: z.string().max(500).optional(),
});

const notFound = (id: string) =>
  new ApiError(
    404,
    'stripe_event_not_found',
    `Payments received no Stripe event with the id ${id}`,
  );

/**
 * Inbound Stripe events, as payments stored and processed them: find one by its `evt_` id or an
 * order's by the order id, see why one failed, and have it processed again.
 */
@ConsolePages('console/stripe-events', 'operator')
export class StripeEventsPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly payments: PaymentsAdminClient,
  ) {}

  @Get()
  async search(
    @CurrentSession() session: ConsoleSession,
    @Query() raw: Record<string, unknown>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const parsed = SearchQuery.safeParse(raw);
    const form = parsed.success ? parsed.data : { q: '', status: '', type: '' };
    const page = {
      title: 'Stripe events',
      nav: 'stripe-events',
      session,
      form,
      statuses: STATUSES,
    };
    if (!parsed.success)
      return this.views.render(
        reply,
        './operator/stripe-events',
        { ...page, problem: problemOf(parsed.error), events: [], nextCursor: null },
        400,
      );
    const { q, status, type, cursor } = parsed.data;
    let events: StripeEventView[];
    let nextCursor: string | null = null;
    if (STRIPE_EVENT_ID.test(q)) {
      const event = await this.payments.find(q);
      events = event ? [event] : [];
    } else {
      const found = await this.payments.list({
        ...(q ? { orderId: q } : {}),
        ...(status ? { status } : {}),
        ...(type ? { type } : {}),
        ...(cursor ? { cursor } : {}),
      });
      events = found.data;
      nextCursor = found.nextCursor;
    }
    const next = nextCursor
      ? `?${new URLSearchParams({ q, status, type, cursor: nextCursor })}`
      : null;
    return this.views.render(reply, './operator/stripe-events', {
      ...page,
      problem: null,
      events,
      next,
    });
  }

  @Get(':id')
  async one(
    @CurrentSession() session: ConsoleSession,
    @Param('id') id: string,
    @Query('replayed') replayed: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const event = STRIPE_EVENT_ID.test(id) ? await this.payments.find(id) : undefined;
    if (!event) throw notFound(id);
    return this.views.render(reply, './operator/stripe-event', {
      title: event.id,
      nav: 'stripe-events',
      session,
      event,
      payload: JSON.stringify(event.payload, null, 2),
      replayed: replayed === '1',
    });
  }

  /** Processes the event again; payments' state makes a replay publish only what is new. */
  @Post(':id/replay')
  async replay(
    @Param('id') id: string,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!STRIPE_EVENT_ID.test(id) || !(await this.payments.replay(id))) throw notFound(id);
    return this.views.seeOther(request, reply, `/console/stripe-events/${id}?replayed=1`);
  }
}
