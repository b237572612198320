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
import {
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
  AttemptsQuery,
  type AttemptsQueryInput,
  ListAttemptsUseCase,
} from '../attempts/list-attempts.usecase';
import { AttemptPageResponse } from '../attempts/attempt.response';
import {
  ENDPOINT_NOT_FOUND,
  INVALID_FILTER,
  MESSAGE_NOT_FOUND,
  PARTNER_AUTH_ERRORS,
  UNSAFE_URL,
} from '../notifications-error-cases';
import { PartnerAuthGuard } from '../partners/partner-auth.guard';
import { PartnerId } from '../partners/partner-id.decorator';
import { ReplayFailedDeliveriesUseCase } from '../replays/replay-failed-deliveries.usecase';
import { ReplayedResponse } from '../replays/replay.response';
import { FilterVerdictResponse } from '../subscriptions/filter-verdict.response';
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
import {
  CreatedEndpointResponse,
  EndpointPageResponse,
  EndpointResponse,
  EndpointSecretResponse,
  RotatedSecretResponse,
} from './endpoint.response';
import { EndpointRepository } from './endpoint.repository';
import { RotateEndpointSecretUseCase } from './rotate-endpoint-secret.usecase';
import { UpdateEndpointUseCase } from './update-endpoint.usecase';

const ListEndpointsQuery = z.strictObject(pageQuery());

/** The last endpoint of a page: its creation time (to the millisecond) and id. */
const EndpointCursor = z.tuple([z.iso.datetime(), z.uuid()]);

const ReplaySince = z.object({ since: isoTimestamp() });

const EndpointParams = z.object({ id: z.uuid() });

/** An id that is not a UUID names no endpoint: 404, as for an unknown one. */
const endpointId = new ZodPipe(EndpointParams.shape.id, {
  orElse: () => new EndpointNotFoundError(),
});

/** What every route of one endpoint can answer besides its own failures. */
const ONE_ENDPOINT_ERRORS = [...PARTNER_AUTH_ERRORS, ENDPOINT_NOT_FOUND, ...SERVER_ERRORS];

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
  @ApiRoute({
    summary: 'Register an endpoint for some event types; the answer holds its signing secret',
    bearer: true,
    body: CreateEndpointSchema,
    response: { status: 201, description: 'The endpoint', schema: CreatedEndpointResponse },
    errors: [...BODY_ERRORS, ...PARTNER_AUTH_ERRORS, UNSAFE_URL, INVALID_FILTER, ...SERVER_ERRORS],
  })
  async create(
    @PartnerId() partnerId: string,
    @Body(new ZodPipe(CreateEndpointSchema)) body: CreateEndpointCommand,
  ): Promise<CreatedEndpointResponse> {
    const { endpoint, secret } = await this.createEndpoint.execute(partnerId, body);
    return { ...endpointView(endpoint), secret };
  }

  /** Oldest first. */
  @Get()
  @ApiRoute({
    summary: 'Your endpoints, oldest first; page with nextCursor',
    bearer: true,
    query: ListEndpointsQuery,
    response: { status: 200, description: 'A page of endpoints', schema: EndpointPageResponse },
    errors: [...PAGE_ERRORS, ...PARTNER_AUTH_ERRORS, ...SERVER_ERRORS],
  })
  async list(
    @PartnerId() partnerId: string,
    @Query(new ZodPipe(ListEndpointsQuery)) query: z.infer<typeof ListEndpointsQuery>,
  ): Promise<EndpointPageResponse> {
    const after = query.cursor ? decodeCursor(query.cursor, EndpointCursor) : null;
    const endpoints = await this.endpoints.list(
      partnerId,
      query.limit + 1,
      after && { createdAt: after[0], id: after[1] },
    );
    return pageOf(endpoints, query.limit, endpointView, (e) => [e.createdAt.toISOString(), e.id]);
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One of your endpoints',
    bearer: true,
    params: EndpointParams,
    response: { status: 200, description: 'The endpoint', schema: EndpointResponse },
    errors: ONE_ENDPOINT_ERRORS,
  })
  async get(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
  ): Promise<EndpointResponse> {
    const endpoint = await this.endpoints.find(partnerId, id);
    if (!endpoint) throw new EndpointNotFoundError();
    return endpointView(endpoint);
  }

  /** Change the URL, description, event types or custom headers; disable or re-enable it. */
  @Patch(':id')
  @ApiRoute({
    summary: 'Change an endpoint; disable or re-enable it',
    bearer: true,
    params: EndpointParams,
    body: UpdateEndpointSchema,
    response: { status: 200, description: 'The endpoint as changed', schema: EndpointResponse },
    errors: [...BODY_ERRORS, UNSAFE_URL, INVALID_FILTER, ...ONE_ENDPOINT_ERRORS],
  })
  async update(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(UpdateEndpointSchema)) body: UpdateEndpointCommand,
  ): Promise<EndpointResponse> {
    return endpointView(await this.updateEndpoint.execute(partnerId, id, body));
  }

  /** The signing secret, and the previous one while a rotation's grace period lasts. */
  @Get(':id/secret')
  @ApiRoute({
    summary: "An endpoint's signing secret, and the previous one during a rotation",
    bearer: true,
    params: EndpointParams,
    response: { status: 200, description: 'The secrets', schema: EndpointSecretResponse },
    errors: ONE_ENDPOINT_ERRORS,
  })
  async secret(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
  ): Promise<EndpointSecretResponse> {
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
  @ApiRoute({
    summary: 'A new signing secret; the old one keeps signing for graceSeconds',
    bearer: true,
    params: EndpointParams,
    body: RotateSecretSchema,
    response: { status: 200, description: 'The new secret', schema: RotatedSecretResponse },
    errors: [...BODY_ERRORS, ...ONE_ENDPOINT_ERRORS],
  })
  async rotate(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(RotateSecretSchema)) body: RotateSecretCommand,
  ): Promise<RotatedSecretResponse> {
    const rotated = await this.rotateSecret.execute(partnerId, id, body);
    return {
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
    };
  }

  /** Every attempt made to this endpoint, newest first; filter by outcome. */
  @Get(':id/attempts')
  @ApiRoute({
    summary: 'Every attempt made to an endpoint, newest first; filter by outcome',
    bearer: true,
    params: EndpointParams,
    query: AttemptsQuery,
    response: { status: 200, description: 'A page of attempts', schema: AttemptPageResponse },
    errors: [...PAGE_ERRORS, ...ONE_ENDPOINT_ERRORS],
  })
  attempts(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ): Promise<AttemptPageResponse> {
    return this.listAttempts.execute(partnerId, { endpointId: id }, query);
  }

  /** Every failed delivery of the endpoint since a time, sent again. */
  @Post(':id/replay')
  @HttpCode(202)
  @ApiRoute({
    summary: 'Send again every failed delivery of an endpoint since a time',
    bearer: true,
    params: EndpointParams,
    body: ReplaySince,
    response: { status: 202, description: 'Deliveries queued again', schema: ReplayedResponse },
    errors: [...BODY_ERRORS, ...ONE_ENDPOINT_ERRORS],
  })
  replay(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(ReplaySince)) body: z.infer<typeof ReplaySince>,
  ): Promise<ReplayedResponse> {
    return this.replayFailed.execute(partnerId, id, body.since);
  }

  /** The endpoint's filter (or a proposed replacement) against a sample or a past message. */
  @Post(':id/filter/test')
  @HttpCode(200)
  @ApiRoute({
    summary: "An endpoint's filter (or a proposed one) against a sample or a past message",
    bearer: true,
    params: EndpointParams,
    body: TryEndpointFilterSchema,
    response: { status: 200, description: 'The verdict', schema: FilterVerdictResponse },
    errors: [...BODY_ERRORS, INVALID_FILTER, MESSAGE_NOT_FOUND, ...ONE_ENDPOINT_ERRORS],
  })
  testFilter(
    @PartnerId() partnerId: string,
    @Param('id', endpointId) id: string,
    @Body(new ZodPipe(TryEndpointFilterSchema)) body: TryEndpointFilterCommand,
  ): Promise<FilterVerdictResponse> {
    return this.dryRun.endpoint(partnerId, id, body);
  }
}
