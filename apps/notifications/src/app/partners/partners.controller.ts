import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { generateSecret } from '@switchyard/signing';
import { AdminTokenGuard, ApiError, SERVICE_CONFIG, ZodBodyPipe } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { type NotificationsConfig } from '../notifications-env';
import { AllowedNetworks } from '../delivery/url-safety/address-policy';
import { type DestinationPolicy } from '../delivery/url-safety/destination-guard';
import { generateApiKey, hashApiKey } from './api-key';
import {
  assertSafeDestination,
  endpointHeaders,
  type EndpointRow,
  endpointUrl,
  endpointView,
  eventTypePattern,
} from './endpoint-fields';
import { type AuthenticatedRequest, PartnerAuthGuard } from './partner-auth.guard';

const CreatePartnerSchema = z.object({ name: z.string().min(1).max(200) });

const CreateEndpointSchema = z.object({
  url: endpointUrl,
  eventTypes: z.array(eventTypePattern).min(1).max(100),
  description: z.string().max(500).default(''),
  headers: endpointHeaders.default({}),
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
    @Body(new ZodBodyPipe(CreatePartnerSchema)) body: z.infer<typeof CreatePartnerSchema>,
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
    @Body(new ZodBodyPipe(CreateEndpointSchema)) body: z.infer<typeof CreateEndpointSchema>,
  ) {
    assertSafeDestination(body.url, this.destinationPolicy);
    const [row]: EndpointRow[] = await this.dataSource.query(
      `INSERT INTO ${this.schema}.endpoints (id, partner_id, url, description, event_types, secret, headers)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [
        randomUUID(),
        request.partnerId,
        body.url,
        body.description,
        body.eventTypes,
        generateSecret(),
        JSON.stringify(body.headers),
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

  /** The partner's messages, newest first, each with its deliveries; filter by type and subject. */
  @Get('messages')
  @UseGuards(PartnerAuthGuard)
  async listMessages(
    @Req() request: AuthenticatedRequest,
    @Query('eventType') eventType?: string,
    @Query('subject') subject?: string,
  ) {
    const rows: {
      id: string;
      event_id: string;
      event_type: string;
      subject: string;
      created_at: Date;
      deliveries: { endpointId: string; status: string; attempts: number }[];
    }[] = await this.dataSource.query(
      `SELECT m.id, m.event_id, m.event_type, m.subject, m.created_at,
              COALESCE(json_agg(json_build_object('endpointId', d.endpoint_id, 'status', d.status, 'attempts', d.attempts))
                       FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries
       FROM ${this.schema}.messages m LEFT JOIN ${this.schema}.deliveries d ON d.message_id = m.id
       WHERE m.partner_id = $1 AND ($2::text IS NULL OR m.event_type = $2) AND ($3::text IS NULL OR m.subject = $3)
       GROUP BY m.id ORDER BY m.created_at DESC LIMIT 100`,
      [request.partnerId, eventType ?? null, subject ?? null],
    );
    return {
      data: rows.map((r) => ({
        id: r.id,
        eventId: r.event_id,
        eventType: r.event_type,
        subject: r.subject,
        createdAt: r.created_at.toISOString(),
        deliveries: r.deliveries,
      })),
    };
  }
}
