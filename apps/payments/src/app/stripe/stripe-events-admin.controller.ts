import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  AdminTokenGuard,
  ApiError,
  isoTimestamp,
  SERVICE_CONFIG,
  ZodPipe,
} from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type PaymentsConfig } from '../payments-env';
import { StripeEventProcessor } from '../processing/stripe-event.processor';

const STATUSES = ['received', 'processed', 'ignored', 'failed'] as const;

const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  type: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
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

interface EventRow {
  id: string;
  type: string;
  status: string;
  source: string;
  attempts: number;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  payload?: unknown;
}

function view(row: EventRow) {
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

const encodeCursor = (row: EventRow) =>
  Buffer.from(`${row.received_at.toISOString()}|${row.id}`).toString('base64url');

/** A Stripe event id, as the webhook accepts it: nothing else can be stored. */
const StripeEventId = z.string().regex(/^evt_\w+$/);

/** What encodeCursor writes: an ISO time (as toISOString gives) and a Stripe event id. */
const CursorParts = z.tuple([z.iso.datetime(), StripeEventId]);

function decodeCursor(cursor: string): [string, string] {
  const parts = CursorParts.safeParse(Buffer.from(cursor, 'base64url').toString('utf8').split('|'));
  if (!parts.success) {
    throw new ApiError(
      400,
      'invalid_cursor',
      'The cursor is not one this API returned; pass next_cursor as is',
    );
  }
  return parts.data;
}

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
  constructor(
    private readonly dataSource: DataSource,
    private readonly processor: StripeEventProcessor,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
  ) {}

  private get table(): string {
    return `"${this.config.DB_SCHEMA}".stripe_events`;
  }

  /** Newest first; filter by status and type; page with `cursor`. */
  @Get()
  async list(@Query(new ZodPipe(ListQuery)) query: z.infer<typeof ListQuery>) {
    const [afterAt, afterId] = query.cursor ? decodeCursor(query.cursor) : [null, null];
    const rows: EventRow[] = await this.dataSource.query(
      `SELECT id, type, status, source, attempts, last_error, received_at, processed_at FROM ${this.table}
       WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR type = $2)
         AND ($3::timestamptz IS NULL OR (received_at, id) < ($3::timestamptz, $4::text))
       ORDER BY received_at DESC, id DESC LIMIT $5`,
      [query.status ?? null, query.type ?? null, afterAt, afterId, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(view),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  @Get(':id')
  async get(@Param('id', eventIdParam) id: string) {
    const [row]: EventRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.table} WHERE id = $1`,
      [id],
    );
    if (!row) throw unknownEvent(id);
    return view(row);
  }

  /** Processes the event again; the payment state makes a replay publish only what is new. */
  @Post(':id/replay')
  @HttpCode(202)
  async replayOne(@Param('id', eventIdParam) id: string) {
    const [rows] = await this.dataSource.query(
      `UPDATE ${this.table} SET status = 'received', attempts = 0, next_attempt_at = now(), last_error = NULL
       WHERE id = $1 RETURNING id`,
      [id],
    );
    if ((rows as unknown[]).length === 0) throw unknownEvent(id);
    this.processor.wake();
    return { replayed: 1 };
  }

  /** Replays every event received in [from, to), optionally only those in one status. */
  @Post('replay')
  @HttpCode(202)
  async replayRange(@Body(new ZodPipe(ReplayRange)) body: z.infer<typeof ReplayRange>) {
    const [, count] = await this.dataSource.query(
      `UPDATE ${this.table} SET status = 'received', attempts = 0, next_attempt_at = now(), last_error = NULL
       WHERE received_at >= $1 AND received_at < $2 AND ($3::text IS NULL OR status = $3)`,
      [body.from, body.to, body.status ?? null],
    );
    this.processor.wake();
    return { replayed: count as number };
  }
}

function unknownEvent(id: string): ApiError {
  return new ApiError(404, 'stripe_event_not_found', `No Stripe event ${id} was received`);
}
