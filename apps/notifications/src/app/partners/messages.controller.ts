import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiError, isoTimestamp, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { DeliveryWorker } from '../delivery/delivery.worker';
import { type NotificationsConfig } from '../notifications-env';
import { AttemptsQuery, type AttemptsQueryInput, listAttempts } from './attempt-log';
import { MESSAGE_ID_PATTERN, MessageId } from './message-id';
import { type AuthenticatedRequest, PartnerAuthGuard } from './partner-auth.guard';

const ListMessagesQuery = z.strictObject({
  eventType: z.string().max(100).optional(),
  subject: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // next_cursor is the id of the page's last message.
  cursor: z.string().regex(MESSAGE_ID_PATTERN, 'must be a next_cursor as returned').optional(),
});

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

const ReplaySince = z.object({ since: isoTimestamp() });

/** Replays touch this many rows per statement, so a replay of millions never holds one huge lock. */
const REPLAY_BATCH = 1000;

function notFound(): ApiError {
  return new ApiError(404, 'message_not_found', 'No message of yours has this id');
}

function endpointNotFound(): ApiError {
  return new ApiError(404, 'endpoint_not_found', 'No endpoint of yours has this id');
}

/** An id that cannot be a message's or an endpoint's names none of yours: 404, as an unknown one. */
const messageIdParam = new ZodPipe(MessageId, { orElse: notFound });
const endpointIdParam = new ZodPipe(z.uuid(), { orElse: endpointNotFound });

/** A partner's messages, their deliveries and attempts, and replay. Scoped to the API key's partner. */
@Controller('v1')
@UseGuards(PartnerAuthGuard)
export class MessagesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly worker: DeliveryWorker,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  private get s(): string {
    return `"${this.config.DB_SCHEMA}"`;
  }

  /** Newest first, each with its deliveries; filter by event type and subject; page with next_cursor. */
  @Get('messages')
  async list(
    @Req() request: AuthenticatedRequest,
    @Query(new ZodPipe(ListMessagesQuery)) query: z.infer<typeof ListMessagesQuery>,
  ) {
    const rows: {
      id: string;
      event_id: string;
      event_type: string;
      subject: string;
      created_at: Date;
      deliveries: unknown[];
    }[] = await this.dataSource.query(
      `SELECT m.id, m.event_id, m.event_type, m.subject, m.created_at,
                COALESCE(json_agg(json_build_object('endpointId', d.endpoint_id, 'status', d.status, 'attempts', d.attempts, 'reason', d.last_error))
                         FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries
         FROM ${this.s}.messages m LEFT JOIN ${this.s}.deliveries d ON d.message_id = m.id AND d.event_id = m.event_id
         WHERE m.partner_id = $1 AND ($2::text IS NULL OR m.event_type = $2) AND ($3::text IS NULL OR m.subject = $3)
           AND ($4::text IS NULL OR m.id < $4)
         GROUP BY m.id, m.event_id ORDER BY m.id DESC LIMIT $5`,
      [
        request.partnerId,
        query.eventType ?? null,
        query.subject ?? null,
        query.cursor ?? null,
        query.limit + 1,
      ],
    );
    const page = rows.slice(0, query.limit);
    return {
      data: page.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        eventType: r.event_type,
        subject: r.subject,
        createdAt: r.created_at.toISOString(),
        deliveries: r.deliveries,
      })),
      next_cursor: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** Every attempt of one message, to every endpoint, newest first; filter by outcome; page with next_cursor. */
  @Get('messages/:id/attempts')
  async attempts(
    @Req() request: AuthenticatedRequest,
    @Param('id', messageIdParam) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ) {
    await this.ownMessage(request, id);
    return listAttempts(this.dataSource, this.config.DB_SCHEMA, { messageId: id }, query);
  }

  /** Sends one message to one endpoint again, with a fresh retry schedule, whatever happened before. */
  @Post('messages/:id/replay')
  @HttpCode(202)
  async replayMessage(
    @Req() request: AuthenticatedRequest,
    @Param('id', messageIdParam) id: string,
    @Body(new ZodPipe(ReplayToEndpoint)) body: z.infer<typeof ReplayToEndpoint>,
  ) {
    await this.ownMessage(request, id);
    await this.ownEndpoint(request, body.endpointId);
    await this.dataSource.query(
      `INSERT INTO ${this.s}.deliveries (id, message_id, event_id, endpoint_id)
       SELECT gen_random_uuid(), id, event_id, $2 FROM ${this.s}.messages WHERE id = $1
       ON CONFLICT (message_id, endpoint_id, event_id) DO UPDATE
       SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, updated_at = now()`,
      [id, body.endpointId],
    );
    this.worker.wake();
    return { replayed: 1 };
  }

  /** Every failed delivery of one endpoint since a time, in batches: no cap on how many. */
  @Post('endpoints/:id/replay')
  @HttpCode(202)
  async replayFailed(
    @Req() request: AuthenticatedRequest,
    @Param('id', endpointIdParam) id: string,
    @Body(new ZodPipe(ReplaySince)) body: z.infer<typeof ReplaySince>,
  ) {
    await this.ownEndpoint(request, id);
    const replayed = await this.inBatches(
      `UPDATE ${this.s}.deliveries SET status = 'pending', attempts = 0, next_attempt_at = now(), updated_at = now()
       WHERE (id, event_id) IN (SELECT id, event_id FROM ${this.s}.deliveries
                                WHERE endpoint_id = $1 AND status = 'failed' AND created_at >= $2 LIMIT ${REPLAY_BATCH})`,
      [id, body.since],
    );
    this.worker.wake();
    return { replayed };
  }

  /**
   * Every message of an event type in a time range, to each endpoint of the partner that
   * subscribes to it now (or to the one endpoint named), in batches.
   */
  @Post('replay')
  @HttpCode(202)
  async replayRange(
    @Req() request: AuthenticatedRequest,
    @Body(new ZodPipe(ReplayRange)) body: z.infer<typeof ReplayRange>,
  ) {
    if (body.endpointId) await this.ownEndpoint(request, body.endpointId);
    const family = `${body.eventType.split('.')[0]}.*`;
    const replayed = await this.inBatches(
      `WITH targets AS (
         SELECT m.id AS message_id, m.event_id, e.id AS endpoint_id
         FROM ${this.s}.messages m JOIN ${this.s}.endpoints e ON e.partner_id = m.partner_id
         WHERE m.partner_id = $1 AND m.event_type = $2 AND m.created_at >= $3 AND m.created_at < $4
           AND e.enabled AND ($5::uuid IS NULL OR e.id = $5) AND e.event_types && ARRAY[$2, $6, '*']
           AND NOT EXISTS (SELECT 1 FROM ${this.s}.deliveries d
                           WHERE d.message_id = m.id AND d.event_id = m.event_id AND d.endpoint_id = e.id
                           AND d.status = 'pending' AND d.attempts = 0)
         LIMIT ${REPLAY_BATCH})
       INSERT INTO ${this.s}.deliveries (id, message_id, event_id, endpoint_id)
       SELECT gen_random_uuid(), message_id, event_id, endpoint_id FROM targets
       ON CONFLICT (message_id, endpoint_id, event_id) DO UPDATE
       SET status = 'pending', attempts = 0, next_attempt_at = now(), locked_until = NULL, updated_at = now()
       RETURNING 1`,
      [request.partnerId, body.eventType, body.from, body.to, body.endpointId ?? null, family],
    );
    this.worker.wake();
    return { replayed };
  }

  /** Runs a statement that handles at most one batch until it handles none; returns the total. */
  private async inBatches(sql: string, params: unknown[]): Promise<number> {
    let total = 0;
    for (;;) {
      const result: unknown = await this.dataSource.query(sql, params);
      const count =
        Array.isArray(result) && typeof result[1] === 'number'
          ? result[1]
          : (result as unknown[]).length;
      total += count;
      if (count < REPLAY_BATCH) return total;
    }
  }

  private async ownMessage(request: AuthenticatedRequest, id: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.s}.messages WHERE id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (rows.length === 0) throw notFound();
  }

  private async ownEndpoint(request: AuthenticatedRequest, id: string): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${this.s}.endpoints WHERE id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (rows.length === 0) throw endpointNotFound();
  }
}
