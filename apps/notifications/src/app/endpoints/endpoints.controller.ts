import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { decodeCursor, isoTimestamp, pageOf, pageQuery, ZodPipe } from '@switchyard/service';
import { z } from 'zod';
import {
  AttemptsQuery,
  type AttemptsQueryInput,
  ListAttemptsUseCase,
} from '../attempts/list-attempts.usecase';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerId } from '../partners/partner-id.decorator';
import { ReplayFailedDeliveriesUseCase } from '../replays/replay-failed-deliveries.usecase';
import {
  DryRunFilterUseCase,
  type TryEndpointFilterCommand,
  TryEndpointFilterSchema,
} from '../subscriptions/dry-run-filter.usecase';
import { CreateEndpointUseCase } from './create-endpoint.usecase';
import { endpointView } from './endpoint';
import {
  type CreateEndpointCommand,
  CreateEndpointSchema,
  type RotateSecretCommand,
  RotateSecretSchema,
  type UpdateEndpointCommand,
  UpdateEndpointSchema,
} from './endpoint-fields';
import { EndpointNotFoundError } from './endpoint-not-found.error';
import { EndpointRepository } from './endpoint.repository';
import { RotateEndpointSecretUseCase } from './rotate-endpoint-secret.usecase';
import { UpdateEndpointUseCase } from './update-endpoint.usecase';

const ListEndpointsQuery = z.strictObject(pageQuery());

/** The last endpoint of a page: its creation time (to the millisecond) and id. */
const EndpointCursor = z.tuple([z.iso.datetime(), z.uuid()]);

const ReplaySince = z.object({ since: isoTimestamp() });

/** An id that is not a UUID names no endpoint: 404, as for an unknown one. */
const endpointId = new ZodPipe(z.uuid(), { orElse: () => new EndpointNotFoundError() });

/**
 * `/v1/endpoints/**`: a partner's own endpoints, their secrets, attempt log, replays and filter
 * dry runs. Every call is scoped to the partner the API key belongs to.
 */
@Controller('v1/endpoints')
@UseGuards(PartnerAuthGuard)
export class EndpointsController {
  constructor(
    private readonly endpoints: EndpointRepository,
    private readonly createEndpoint: CreateEndpointUseCase,
    private readonly updateEndpoint: UpdateEndpointUseCase,
    private readonly rotateSecret: RotateEndpointSecretUseCase,
    private readonly listAttempts: ListAttemptsUseCase,
    private readonly replayFailed: ReplayFailedDeliveriesUseCase,
    private readonly dryRun: DryRunFilterUseCase,
  ) {}

  /** The signing secret is returned on creation; partners verify with any Standard Webhooks library. */
  @Post()
  @HttpCode(201)
  async create(
    @PartnerId() partnerId: string,
    @Body(new ZodPipe(CreateEndpointSchema)) body: CreateEndpointCommand,
  ) {
    const { endpoint, secret } = await this.createEndpoint.execute(partnerId, body);
    return { ...endpointView(endpoint), secret };
  }

  /** Oldest first. */
  @Get()
  async list(
    @PartnerId() partnerId: string,
    @Query(new ZodPipe(ListEndpointsQuery)) query: z.infer<typeof ListEndpointsQuery>,
  ) {
    const after = query.cursor ? decodeCursor(query.cursor, EndpointCursor) : null;
    const endpoints = await this.endpoints.list(
      partnerId,
      query.limit + 1,
      after && { createdAt: after[0], id: after[1] },
    );
    return pageOf(endpoints, query.limit, endpointView, (e) => [e.createdAt.toISOString(), e.id]);
  }

  @Get(':id')
  async get(@PartnerId() partnerId: string, @Param('id', endpointId) id: string) {
    const endpoint = await this.endpoints.find(partnerId, id);
    if (!endpoint) throw new EndpointNotFoundError();
    return endpointView(endpoint);
  }

  /** Change the URL, description, event types or custom headers; disable or re-enable it. */
  @Patch(':id')
  async update(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(UpdateEndpointSchema)) body: UpdateEndpointCommand,
  ) {
    return endpointView(await this.updateEndpoint.execute(partnerId, id, body));
  }

  /** The signing secret, and the previous one while a rotation's grace period lasts. */
  @Get(':id/secret')
  async secret(@PartnerId() partnerId: string, @Param('id', endpointId) id: string) {
    const secrets = await this.endpoints.secrets(partnerId, id);
    if (!secrets) throw new EndpointNotFoundError();
    const previousActive =
      secrets.previousSecret !== null &&
      secrets.previousSecretExpiresAt !== null &&
      secrets.previousSecretExpiresAt > new Date();
    return {
      secret: secrets.secret,
      previousSecret: previousActive ? secrets.previousSecret : null,
      previousSecretExpiresAt: previousActive
        ? secrets.previousSecretExpiresAt?.toISOString()
        : null,
    };
  }

  @Post(':id/secret/rotate')
  @HttpCode(200)
  async rotate(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(RotateSecretSchema)) body: RotateSecretCommand,
  ) {
    const rotated = await this.rotateSecret.execute(partnerId, id, body);
    return {
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
    };
  }

  /** Every attempt made to this endpoint, newest first; filter by outcome. */
  @Get(':id/attempts')
  attempts(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ) {
    return this.listAttempts.execute(partnerId, { endpointId: id }, query);
  }

  /** Every failed delivery of the endpoint since a time, sent again. */
  @Post(':id/replay')
  @HttpCode(202)
  replay(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(ReplaySince)) body: z.infer<typeof ReplaySince>,
  ) {
    return this.replayFailed.execute(partnerId, id, body.since);
  }

  /** The endpoint's filter (or a proposed replacement) against a sample or a past message. */
  @Post(':id/filter/test')
  @HttpCode(200)
  testFilter(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(TryEndpointFilterSchema)) body: TryEndpointFilterCommand,
  ) {
    return this.dryRun.endpoint(partnerId, id, body);
  }
}
