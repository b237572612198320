import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  type ApiErrorCase,
  ApiRoute,
  BODY_ERRORS,
  PAGE_ERRORS,
  QUERY_ERRORS,
  SERVER_ERRORS,
  ZodPipe,
} from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { AttemptRepository } from '../../attempts/attempt.repository';
import {
  attemptPage,
  AttemptsQuery,
  type AttemptsQueryInput,
} from '../../attempts/list-attempts.usecase';
import {
  ListDevicesQuery,
  type RegisterDeviceCommand,
  RegisterDeviceSchema,
} from './device-fields';
import { DeviceNotFoundError } from './device-not-found.error';
import { DeviceListResponse, DeviceResponse, deviceView } from './device.response';
import { DeviceRepository } from './device.repository';
import { DevicesApiGuard } from './devices-api.guard';
import { PushAttemptPageResponse, pushAttemptView } from './push-attempt.response';

/** What DevicesApiGuard answers a request without the devices API's token. */
export const DEVICES_AUTH_ERRORS: readonly ApiErrorCase[] = [
  {
    status: 401,
    code: 'invalid_devices_token',
    when: 'the bearer token is not DEVICES_API_TOKEN (nor ADMIN_TOKEN)',
  },
  {
    status: 403,
    code: 'devices_api_disabled',
    when: 'notifications runs without DEVICES_API_TOKEN and ADMIN_TOKEN',
  },
];

const DEVICE_NOT_FOUND: ApiErrorCase = {
  status: 404,
  code: 'device_not_found',
  when: 'no device has this id',
};

const DeviceParams = z.object({ id: z.uuid() });

/** An id that is not a UUID names no device: 404, as for an unknown one. */
const deviceId = new ZodPipe(DeviceParams.shape.id, { orElse: () => new DeviceNotFoundError() });

/**
 * `/v1/devices`: the shop's backend registers the devices its apps report (token, platform, app,
 * locale) for its customers, and removes them when a customer signs out.
 */
@Controller('v1/devices')
@UseGuards(DevicesApiGuard)
export class DevicesController {
  constructor(
    private readonly devices: DeviceRepository,
    private readonly attempts: AttemptRepository,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiRoute({
    summary: "Register a customer's device; a known token is updated (and moves to this customer)",
    bearer: true,
    body: RegisterDeviceSchema,
    response: { status: 201, description: 'A new device', schema: DeviceResponse },
    otherResponses: [
      {
        status: 200,
        description: 'The token was known: its device, updated',
        schema: DeviceResponse,
      },
    ],
    errors: [...BODY_ERRORS, ...DEVICES_AUTH_ERRORS, ...SERVER_ERRORS],
  })
  async register(
    @Body(new ZodPipe(RegisterDeviceSchema)) body: RegisterDeviceCommand,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeviceResponse> {
    const { device, created } = await this.devices.register(body);
    if (!created) void reply.status(200);
    return deviceView(device);
  }

  @Get()
  @ApiRoute({
    summary: "A customer's devices, oldest first (at most 100)",
    bearer: true,
    query: ListDevicesQuery,
    response: { status: 200, description: "The customer's devices", schema: DeviceListResponse },
    errors: [...QUERY_ERRORS, ...DEVICES_AUTH_ERRORS, ...SERVER_ERRORS],
  })
  async list(
    @Query(new ZodPipe(ListDevicesQuery)) query: z.infer<typeof ListDevicesQuery>,
  ): Promise<DeviceListResponse> {
    return { data: (await this.devices.ofCustomer(query.customerId)).map(deviceView) };
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One device',
    bearer: true,
    params: DeviceParams,
    response: { status: 200, description: 'The device', schema: DeviceResponse },
    errors: [...DEVICES_AUTH_ERRORS, DEVICE_NOT_FOUND, ...SERVER_ERRORS],
  })
  async get(@Param('id', deviceId) id: string): Promise<DeviceResponse> {
    const device = await this.devices.find(id);
    if (!device) throw new DeviceNotFoundError();
    return deviceView(device);
  }

  /** Its pushes, newest first: what was sent, and what APNs or FCM answered. */
  @Get(':id/attempts')
  @ApiRoute({
    summary: "A device's push attempts, newest first; page with nextCursor",
    bearer: true,
    params: DeviceParams,
    query: AttemptsQuery,
    response: {
      status: 200,
      description: 'A page of push attempts',
      schema: PushAttemptPageResponse,
    },
    errors: [...PAGE_ERRORS, ...DEVICES_AUTH_ERRORS, DEVICE_NOT_FOUND, ...SERVER_ERRORS],
  })
  async listAttempts(
    @Param('id', deviceId) id: string,
    @Query(new ZodPipe(AttemptsQuery)) query: AttemptsQueryInput,
  ): Promise<PushAttemptPageResponse> {
    const device = await this.devices.find(id);
    if (!device) throw new DeviceNotFoundError();
    // Its pushes to its customer now: a token that changed hands does not show the last owner's.
    const scope = { deviceId: id, customerId: device.customerId };
    return attemptPage(this.attempts, scope, query, pushAttemptView);
  }

  /** Its pushes still waiting are settled as failed: nothing more goes to it. */
  @Delete(':id')
  @HttpCode(204)
  @ApiRoute({
    summary: 'Remove a device (the customer signed out, or uninstalled the app)',
    bearer: true,
    params: DeviceParams,
    response: { status: 204, description: 'Removed', schema: null },
    errors: [...DEVICES_AUTH_ERRORS, DEVICE_NOT_FOUND, ...SERVER_ERRORS],
  })
  async remove(@Param('id', deviceId) id: string): Promise<void> {
    if (!(await this.devices.remove(id))) throw new DeviceNotFoundError();
  }
}
