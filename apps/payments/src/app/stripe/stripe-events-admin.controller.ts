import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import {
  ADMIN_ERRORS,
  AdminTokenGuard,
  type ApiErrorCase,
  ApiError,
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
  STRIPE_EVENT_STATUSES as STATUSES,
  StripeEventsRepository,
  type StoredStripeEvent,
} from './stripe-events.repository';
import {
  ReplayedResponse,
  StripeEventPageResponse,
  StripeEventResponse,
} from './stripe-event.response';

const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  type: z.string().max(100).optional(),
  orderId: z
    .string()
    .max(200)
    .optional()
    .describe("Only events about this order (the PaymentIntent's metadata.order_id)"),
  ...pageQuery(500),
});

const ReplayRange = z
  .object({
    from: isoTimestamp(),
    to: isoTimestamp(),
    status: z.enum(STATUSES).optional(),
  })
  .refine((r) => Date.parse(r.from) < Date.parse(r.to), {
    message: 'must be before "to"',
    path: ['from'],
  });

function view(row: StoredStripeEvent): StripeEventResponse {
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    source: row.source,
    attempts: row.attempts,
    error: row.last_error,
    receivedAt: row.received_at.toISOString(),
    processedAt: row.processed_at?.toISOString() ?? null,
    ...(row.payload !== undefined ? { payload: row.payload } : {}),
  };
}

/** A Stripe event id, as the webhook accepts it: nothing else can be stored. */
const StripeEventId = z.string().regex(/^evt_\w+$/);

/** A page's sort key: when the event was received, to the microsecond, and its id. */
const PageKey = z.tuple([isoTimestamp(), StripeEventId]);

const StripeEventParams = z.object({ id: StripeEventId });

const NOT_FOUND: ApiErrorCase = {
  status: 404,
  code: 'stripe_event_not_found',
  when: 'no Stripe event with this id was received',
};

/** An id that cannot be a Stripe event id names no event: 404, as for an unknown one. */
const eventIdParam = new ZodPipe(StripeEventId, {
  orElse: () =>
    new ApiError(
      404,
      'stripe_event_not_found',
      'No Stripe event has this id: Stripe event ids look like evt_1NG8Du2eZvKYlo2C',
    ),
});

/** Operators' view of inbound Stripe events: what arrived, what failed and why, and replay. */
@Controller('admin/stripe-events')
@UseGuards(AdminTokenGuard)
export class StripeEventsAdminController {
  constructor(private readonly events: StripeEventsRepository) {}

  /** Newest first; filter by status and type; page with `cursor`. */
  @Get()
  @ApiRoute({
    summary: 'Stripe events received, newest first; filter by status, type and order',
    bearer: true,
    query: ListQuery,
    response: { status: 200, description: 'A page of events', schema: StripeEventPageResponse },
    errors: [...PAGE_ERRORS, ...ADMIN_ERRORS, ...SERVER_ERRORS],
  })
  async list(
    @Query(new ZodPipe(ListQuery)) query: z.infer<typeof ListQuery>,
  ): Promise<StripeEventPageResponse> {
    const rows = await this.events.list(
      {
        status: query.status,
        type: query.type,
        orderId: query.orderId,
        ...(query.cursor ? { after: decodeCursor(query.cursor, PageKey) } : {}),
      },
      query.limit + 1,
    );
    return pageOf(rows, query.limit, view, (row) => [row.received_key, row.id]);
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One Stripe event, with its payload',
    bearer: true,
    params: StripeEventParams,
    response: { status: 200, description: 'The event', schema: StripeEventResponse },
    errors: [...ADMIN_ERRORS, NOT_FOUND, ...SERVER_ERRORS],
  })
  async get(@Param('id', eventIdParam) id: string): Promise<StripeEventResponse> {
    const event = await this.events.find(id);
    if (!event) throw unknownEvent(id);
    return view(event);
  }

  /**
   * Processes the event again; the payment state makes a replay publish only what is new. The
   * store announces it, so whichever instance processes wakes, not only this one.
   */
  @Post(':id/replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Process one Stripe event again',
    bearer: true,
    params: StripeEventParams,
    response: { status: 202, description: 'Queued for processing', schema: ReplayedResponse },
    errors: [...ADMIN_ERRORS, NOT_FOUND, ...SERVER_ERRORS],
  })
  async replayOne(@Param('id', eventIdParam) id: string): Promise<ReplayedResponse> {
    if (!(await this.events.replay(id))) throw unknownEvent(id);
    return { replayed: 1 };
  }

  /** Replays every event received in [from, to), optionally only those in one status. */
  @Post('replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Process again every Stripe event received in [from, to)',
    bearer: true,
    body: ReplayRange,
    response: { status: 202, description: 'Queued for processing', schema: ReplayedResponse },
    errors: [...BODY_ERRORS, ...ADMIN_ERRORS, ...SERVER_ERRORS],
  })
  async replayRange(
    @Body(new ZodPipe(ReplayRange)) body: z.infer<typeof ReplayRange>,
  ): Promise<ReplayedResponse> {
    return { replayed: await this.events.replayReceivedBetween(body) };
  }
}

function unknownEvent(id: string): ApiError {
  return new ApiError(404, 'stripe_event_not_found', `No Stripe event ${id} was received`);
}
