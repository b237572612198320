import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiError, decodeCursor, pageOf, pageQuery, ZodPipe } from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { z } from 'zod';
import { AmountTooLargeError } from './amount-too-large.error';
import { CancelOrderUseCase } from './cancel-order.usecase';
import {
  type CreateOrderCommand,
  CreateOrderSchema,
  CreateOrderUseCase,
  IdempotencyKeyReusedError,
} from './create-order.usecase';
import { FulfillOrderUseCase } from './fulfill-order.usecase';
import { type OrderEntity, toOrderView } from './order.entity';
import { OrderRepository } from './order.repository';
import { OrderNotFoundError } from './order-not-found.error';
import { IllegalTransitionError, OrderStatuses } from './order-state';

const ListOrdersQuery = z.strictObject({
  status: z.enum(OrderStatuses).optional(),
  customerId: z.string().min(1).max(128).optional(),
  ...pageQuery(100, 20),
});

const CancelOrderSchema = z
  .object({ reason: z.string().max(500).nullable().default(null) })
  .default({ reason: null });

const IdempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

const schemaOf = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;

/** Orders are listed newest first: the cursor is the last order's creation time and id. */
const OrderCursor = z.tuple([z.iso.datetime(), z.uuid()]);
const cursorOf = (order: OrderEntity) => [order.createdAt.toISOString(), order.id] as const;

function asApiError(err: unknown): unknown {
  if (err instanceof OrderNotFoundError) return notFound();
  if (err instanceof IllegalTransitionError) {
    return new ApiError(409, 'illegal_transition', err.message, [{ currentStatus: err.current }]);
  }
  if (err instanceof IdempotencyKeyReusedError)
    return new ApiError(422, 'idempotency_key_reused', err.message);
  if (err instanceof AmountTooLargeError) {
    return new ApiError(422, 'amount_too_large', err.message, [
      { currency: err.currency, amountTotal: String(err.total), maximum: err.maximum },
    ]);
  }
  return err;
}

function notFound(): ApiError {
  return new ApiError(
    404,
    'order_not_found',
    'No order has this id; check the id returned by POST /orders',
  );
}

/** An id that is not a UUID names no order: 404, as for an unknown one. */
const uuidParam = new ZodPipe(z.uuid(), { orElse: notFound });

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly createOrder: CreateOrderUseCase,
    private readonly cancelOrder: CancelOrderUseCase,
    private readonly fulfillOrder: FulfillOrderUseCase,
    private readonly orders: OrderRepository,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Place an order; it waits for payment and announces order.created' })
  @ApiBody({ schema: schemaOf(CreateOrderSchema) })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retry safely: the same key and body return the same order',
  })
  @ApiResponse({
    status: 201,
    description: 'The order (again, with Idempotent-Replayed: true, for a retried key)',
  })
  @ApiResponse({
    status: 400,
    description:
      'invalid_request: the body names each field that is wrong; invalid_json: the body is not JSON; invalid_idempotency_key',
  })
  @ApiResponse({
    status: 422,
    description:
      'idempotency_key_reused: the key was used with another body; amount_too_large: the total is more than Stripe can charge in the currency (99999999 minor units for most), details name the maximum',
  })
  async create(
    @Body(new ZodPipe(CreateOrderSchema)) body: CreateOrderCommand,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const key = rawKey === undefined ? undefined : IdempotencyKey.safeParse(rawKey);
    if (key && !key.success) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces',
      );
    }
    try {
      const { order, replayed } = await this.createOrder.execute(body, key?.data);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return toOrderView(order);
    } catch (err) {
      throw asApiError(err);
    }
  }

  @Get()
  @ApiOperation({
    summary: 'Orders, newest first, filtered by status and customer; page with nextCursor',
  })
  @ApiQuery({ name: 'status', required: false, enum: OrderStatuses })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 100, default 20' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({
    status: 400,
    description: 'invalid_query: a parameter is wrong or unknown; invalid_cursor',
  })
  async list(@Query(new ZodPipe(ListOrdersQuery)) query: z.infer<typeof ListOrdersQuery>) {
    const after = query.cursor ? decodeCursor(query.cursor, OrderCursor) : undefined;
    const rows = await this.orders.list(
      { status: query.status, customerId: query.customerId, after },
      query.limit + 1,
    );
    return pageOf(rows, query.limit, toOrderView, cursorOf);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order' })
  @ApiResponse({ status: 404, description: 'order_not_found' })
  async get(@Param('id', uuidParam) id: string) {
    const order = await this.orders.findById(id);
    if (!order) throw notFound();
    return toOrderView(order);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an order not yet paid; announces order.cancelled' })
  @ApiBody({ schema: schemaOf(CancelOrderSchema), required: false })
  @ApiResponse({ status: 409, description: 'illegal_transition, with the current status' })
  async cancel(
    @Param('id', uuidParam) id: string,
    @Body(new ZodPipe(CancelOrderSchema)) body: z.infer<typeof CancelOrderSchema>,
  ) {
    try {
      return toOrderView(await this.cancelOrder.execute(id, body.reason));
    } catch (err) {
      throw asApiError(err);
    }
  }

  @Post(':id/fulfill')
  @HttpCode(200)
  @ApiOperation({ summary: 'Mark a paid order fulfilled; announces order.fulfilled' })
  @ApiResponse({ status: 409, description: 'illegal_transition, with the current status' })
  async fulfill(@Param('id', uuidParam) id: string) {
    try {
      return toOrderView(await this.fulfillOrder.execute(id));
    } catch (err) {
      throw asApiError(err);
    }
  }
}
