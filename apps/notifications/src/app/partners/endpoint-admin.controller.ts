import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { generateSecret } from '@switchyard/signing';
import { ApiError, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AllowedNetworks } from '../delivery/url-safety/address-policy';
import { type NotificationsConfig } from '../notifications-env';
import {
  assertSafeDestination,
  endpointHeaders,
  type EndpointRow,
  endpointUrl,
  endpointView as view,
  checkedFilter,
  eventTypePattern,
  payloadMode,
  rateLimit,
  retrySchedule,
} from './endpoint-fields';
import { AttemptsQuery, type AttemptsQueryInput, listAttempts } from './attempt-log';
import { type AuthenticatedRequest, PartnerAuthGuard } from './partner-auth.guard';

const UpdateEndpointSchema = z
  .object({
    url: endpointUrl,
    description: z.string().max(500),
    eventTypes: z.array(eventTypePattern).min(1).max(100),
    enabled: z.boolean(),
    headers: endpointHeaders,
    rateLimitPerSecond: rateLimit,
    fifo: z.boolean(),
    retrySchedule: retrySchedule,
    filter: z.unknown(),
    payloadMode: payloadMode,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');

const RotateSchema = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  })
  .default({ graceSeconds: 86_400 });

/** An id that is not a UUID names no endpoint: 404, as for an unknown one. */
const uuid = new ZodPipe(z.uuid(), { orElse: notFound });

function notFound(): ApiError {
  return new ApiError(404, 'endpoint_not_found', 'No endpoint of yours has this id');
}

/** A partner's own endpoints: every query is scoped to the partner the API key belongs to. */
@Controller('v1/endpoints')
@UseGuards(PartnerAuthGuard)
export class EndpointAdminController {
  private readonly allowedNetworks: AllowedNetworks;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.allowedNetworks = new AllowedNetworks(config.DELIVERY_ALLOWED_NETWORKS);
  }

  private get s(): string {
    return `"${this.config.DB_SCHEMA}"`;
  }

  @Get(':id')
  async get(@Req() request: AuthenticatedRequest, @Param('id', uuid) id: string) {
    const [row]: EndpointRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.s}.endpoints WHERE id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (!row) throw notFound();
    return view(row);
  }

  /** Change the URL, description, event types or custom headers; disable or re-enable it. */
  @Patch(':id')
  async update(
    @Req() request: AuthenticatedRequest,
    @Param('id', uuid) id: string,
    @Body(new ZodPipe(UpdateEndpointSchema)) body: z.infer<typeof UpdateEndpointSchema>,
  ) {
    if (body.url) {
      assertSafeDestination(body.url, {
        allowedNetworks: this.allowedNetworks,
        requireHttps: this.config.DELIVERY_REQUIRE_HTTPS,
      });
    }
    const [rows]: [EndpointRow[], number] = await this.dataSource.query(
      `UPDATE ${this.s}.endpoints SET
         url = COALESCE($3, url), description = COALESCE($4, description),
         event_types = COALESCE($5, event_types), enabled = COALESCE($6, enabled),
         headers = COALESCE($7, headers),
         rate_limit_per_second = CASE WHEN $8::boolean THEN $9::integer ELSE rate_limit_per_second END,
         fifo = COALESCE($10, fifo),
         retry_schedule = CASE WHEN $11::boolean THEN $12::text ELSE retry_schedule END,
         filter = CASE WHEN $13::boolean THEN $14::jsonb ELSE filter END,
         payload_mode = COALESCE($15, payload_mode),
         disabled_reason = CASE WHEN $6 IS NULL THEN disabled_reason WHEN $6 THEN NULL ELSE 'disabled by the partner' END,
         updated_at = now()
       WHERE id = $1 AND partner_id = $2 RETURNING *`,
      [
        id,
        request.partnerId,
        body.url ?? null,
        body.description ?? null,
        body.eventTypes ?? null,
        body.enabled ?? null,
        body.headers ? JSON.stringify(body.headers) : null,
        body.rateLimitPerSecond !== undefined,
        body.rateLimitPerSecond ?? null,
        body.fifo ?? null,
        body.retrySchedule !== undefined,
        body.retrySchedule ?? null,
        body.filter !== undefined,
        body.filter === undefined || body.filter === null
          ? null
          : JSON.stringify(checkedFilter(body.filter)),
        body.payloadMode ?? null,
      ],
    );
    const [row] = rows;
    if (!row) throw notFound();
    return view(row);
  }

  /** The signing secret, and the previous one while a rotation's grace period lasts. */
  @Get(':id/secret')
  async secret(@Req() request: AuthenticatedRequest, @Param('id', uuid) id: string) {
    const [row]: {
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT secret, previous_secret, previous_secret_expires_at FROM ${this.s}.endpoints WHERE id = $1 AND partner_id = $2`,
      [id, request.partnerId],
    );
    if (!row) throw notFound();
    const previousActive =
      row.previous_secret &&
      row.previous_secret_expires_at &&
      row.previous_secret_expires_at > new Date();
    return {
      secret: row.secret,
      previousSecret: previousActive ? row.previous_secret : null,
      previousSecretExpiresAt: previousActive
        ? row.previous_secret_expires_at?.toISOString()
        : null,
    };
  }

  /**
   * A new secret at once; the old one keeps signing beside it for `graceSeconds` (default a day),
   * so the partner can switch its verifier without missing a message.
   */
  @Post(':id/secret/rotate')
  @HttpCode(200)
  async rotate(
    @Req() request: AuthenticatedRequest,
    @Param('id', uuid) id: string,
    @Body(new ZodPipe(RotateSchema)) body: z.infer<typeof RotateSchema>,
  ) {
    const [rows]: [{ secret: string; previous_secret_expires_at: Date }[], number] =
      await this.dataSource.query(
        `UPDATE ${this.s}.endpoints SET previous_secret = secret, secret = $3,
         previous_secret_expires_at = now() + make_interval(secs => $4), updated_at = now()
       WHERE id = $1 AND partner_id = $2 RETURNING secret, previous_secret_expires_at`,
        [id, request.partnerId, generateSecret(), body.graceSeconds],
      );
    const [row] = rows;
    if (!row) throw notFound();
    return {
      secret: row.secret,
      previousSecretExpiresAt: row.previous_secret_expires_at.toISOString(),
    };
  }

  /** Every attempt made to this endpoint, newest first; filter by outcome; page with next_cursor. */
  @Get(':id/attempts')
  async attempts(
    @Req() request: AuthenticatedRequest,
    @Param('id', uuid) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ) {
    await this.get(request, id);
    return listAttempts(this.dataSource, this.config.DB_SCHEMA, { endpointId: id }, query);
  }
}
