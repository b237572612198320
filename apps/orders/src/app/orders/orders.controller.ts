import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import {
  type ApiErrorCase,
  ApiError,
  ApiRoute,
  BODY_ERRORS,
  decodeCursor,
  PAGE_ERRORS,
  pageOf,
  pageQuery,
  SERVER_ERRORS,
  ZodPipe,
} from '@switchyard/service';
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
import { OrderPageResponse, OrderResponse } from './order.response';

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

const OrderIdParams = z.object({ id: z.uuid() });

/** An id that is not a UUID names no order: 404, as for an unknown one. */
const uuidParam = new ZodPipe(OrderIdParams.shape.id, { orElse: notFound });

const NOT_FOUND: ApiErrorCase = {
  status: 404,
  code: 'order_not_found',
  when: 'no order has this id (or it is not a UUID)',
};
const ILLEGAL_TRANSITION: ApiErrorCase = {
  status: 409,
  code: 'illegal_transition',
  when: 'the order is not in a status that allows this; details give currentStatus',
};

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
  @ApiRoute({
    summary: 'Place an order; it waits for payment and announces order.created',
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'Retry safely: the same key and body return the same order',
        schema: IdempotencyKey.optional(),
      },
    ],
    body: CreateOrderSchema,
    response: {
      status: 201,
      description: 'The order (again, with Idempotent-Replayed: true, for a retried key)',
      schema: OrderResponse,
      headers: {
        'Idempotent-Replayed': {
          description: 'true when the Idempotency-Key had already created this order',
          schema: z.literal('true').optional(),
        },
      },
    },
    errors: [
      ...BODY_ERRORS,
      {
        status: 400,
        code: 'invalid_idempotency_key',
        when: 'Idempotency-Key is not 1 to 255 printable ASCII characters',
      },
      {
        status: 422,
        code: 'idempotency_key_reused',
        when: 'the Idempotency-Key was used with another body',
      },
      {
        status: 422,
        code: 'amount_too_large',
        when: 'the total is more than Stripe can charge in the currency; details name the maximum',
      },
      ...SERVER_ERRORS,
    ],
  })
  async create(
    @Body(new ZodPipe(CreateOrderSchema)) body: CreateOrderCommand,
    @Headers('idempotency-key') rawKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OrderResponse> {
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
  @ApiRoute({
    summary: 'Orders, newest first, filtered by status and customer; page with nextCursor',
    query: ListOrdersQuery,
    response: { status: 200, description: 'A page of orders', schema: OrderPageResponse },
    errors: [...PAGE_ERRORS, ...SERVER_ERRORS],
  })
  async list(
    @Query(new ZodPipe(ListOrdersQuery)) query: z.infer<typeof ListOrdersQuery>,
  ): Promise<OrderPageResponse> {
    const after = query.cursor ? decodeCursor(query.cursor, OrderCursor) : undefined;
    const rows = await this.orders.list(
      { status: query.status, customerId: query.customerId, after },
      query.limit + 1,
    );
    return pageOf(rows, query.limit, toOrderView, cursorOf);
  }

  @Get(':id')
  @ApiRoute({
    summary: 'One order',
    params: OrderIdParams,
    response: { status: 200, description: 'The order', schema: OrderResponse },
    errors: [NOT_FOUND, ...SERVER_ERRORS],
  })
  async get(@Param('id', uuidParam) id: string): Promise<OrderResponse> {
    const order = await this.orders.findById(id);
    if (!order) throw notFound();
    return toOrderView(order);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Cancel an order not yet paid; announces order.cancelled',
    params: OrderIdParams,
    body: CancelOrderSchema,
    response: { status: 200, description: 'The cancelled order', schema: OrderResponse },
    errors: [...BODY_ERRORS, NOT_FOUND, ILLEGAL_TRANSITION, ...SERVER_ERRORS],
  })
  async cancel(
    @Param('id', uuidParam) id: string,
    @Body(new ZodPipe(CancelOrderSchema)) body: z.infer<typeof CancelOrderSchema>,
  ): Promise<OrderResponse> {
    try {
      return toOrderView(await this.cancelOrder.execute(id, body.reason));
    } catch (err) {
      throw asApiError(err);
    }
  }

  @Post(':id/fulfill')
  @HttpCode(200)
  @ApiRoute({
    summary: 'Mark a paid order fulfilled; announces order.fulfilled',
    params: OrderIdParams,
    response: { status: 200, description: 'The fulfilled order', schema: OrderResponse },
    errors: [NOT_FOUND, ILLEGAL_TRANSITION, ...SERVER_ERRORS],
  })
  async fulfill(@Param('id', uuidParam) id: string): Promise<OrderResponse> {
    try {
      return toOrderView(await this.fulfillOrder.execute(id));
    } catch (err) {
      throw asApiError(err);
    }
  }
}
