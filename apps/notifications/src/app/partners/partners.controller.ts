import { Body, Controller, Get, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { generateSecret } from '@switchyard/signing';
import { AdminTokenGuard, ApiError, SERVICE_CONFIG, ZodPipe } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type NotificationsConfig } from '../notifications-env';
import { AllowedNetworks } from '../delivery/url-safety/address-policy';
import { type DestinationPolicy } from '../delivery/url-safety/destination-policy';
import { generateApiKey, hashApiKey } from './api-key';
import {
  assertSafeDestination,
  endpointHeaders,
  type EndpointRow,
  endpointUrl,
  endpointView,
  checkedFilter,
  eventTypePattern,
  payloadMode,
  rateLimit,
  retrySchedule,
} from './endpoint-fields';
import { type AuthenticatedRequest, PartnerAuthGuard } from './partner-auth.guard';

const CreatePartnerSchema = z.object({ name: z.string().min(1).max(200) });

const CreateEndpointSchema = z.object({
  url: endpointUrl,
  eventTypes: z.array(eventTypePattern).min(1).max(100),
  description: z.string().max(500).default(''),
  headers: endpointHeaders.default({}),
  rateLimitPerSecond: rateLimit.default(null),
  fifo: z.boolean().default(false),
  retrySchedule: retrySchedule.default(null),
  filter: z.unknown().optional(),
  payloadMode: payloadMode.default('full'),
});

@Controller('v1')
export class PartnersController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {
    this.destinationPolicy = {
      allowedNetworks: new AllowedNetworks(config.DELIVERY_ALLOWED_NETWORKS),
      requireHttps: config.DELIVERY_REQUIRE_HTTPS,
    };
  }

  private readonly destinationPolicy: DestinationPolicy;

  private get schema(): string {
    return `"${this.config.DB_SCHEMA}"`;
  }

  /** Operator API: the API key appears in this answer only; we keep its hash. */
  @Post('partners')
  @HttpCode(201)
  @UseGuards(AdminTokenGuard)
  async createPartner(
    @Body(new ZodPipe(CreatePartnerSchema)) body: z.infer<typeof CreatePartnerSchema>,
  ) {
    const id = randomUUID();
    const apiKey = generateApiKey();
    await this.dataSource.query(
      `INSERT INTO ${this.schema}.partners (id, name, api_key_hash) VALUES ($1, $2, $3)`,
      [id, body.name, hashApiKey(apiKey)],
    );
    return { id, name: body.name, apiKey };
  }

  /** The signing secret is returned on creation; partners verify with any Standard Webhooks library. */
  @Post('endpoints')
  @HttpCode(201)
  @UseGuards(PartnerAuthGuard)
  async createEndpoint(
    @Req() request: AuthenticatedRequest,
    @Body(new ZodPipe(CreateEndpointSchema)) body: z.infer<typeof CreateEndpointSchema>,
  ) {
    assertSafeDestination(body.url, this.destinationPolicy);
    const filter = checkedFilter(body.filter);
    const [row]: EndpointRow[] = await this.dataSource.query(
      `INSERT INTO ${this.schema}.endpoints
         (id, partner_id, url, description, event_types, secret, headers, rate_limit_per_second, fifo, retry_schedule,
          filter, payload_mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [
        randomUUID(),
        request.partnerId,
        body.url,
        body.description,
        body.eventTypes,
        generateSecret(),
        JSON.stringify(body.headers),
        body.rateLimitPerSecond,
        body.fifo,
        body.retrySchedule,
        filter === null ? null : JSON.stringify(filter),
        body.payloadMode,
      ],
    );
    if (!row) throw new ApiError(500, 'endpoint_not_created', 'The endpoint could not be stored');
    return { ...endpointView(row), secret: row.secret };
  }

  @Get('endpoints')
  @UseGuards(PartnerAuthGuard)
  async listEndpoints(@Req() request: AuthenticatedRequest) {
    const rows: EndpointRow[] = await this.dataSource.query(
      `SELECT * FROM ${this.schema}.endpoints WHERE partner_id = $1 ORDER BY created_at, id`,
      [request.partnerId],
    );
    return { data: rows.map(endpointView) };
  }
}
