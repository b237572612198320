import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiError, ZodBodyPipe } from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { Repository } from 'typeorm';
import { z } from 'zod';
import { CancelOrderUseCase } from './cancel-order.usecase';
import {
  type CreateOrderCommand,
  CreateOrderSchema,
  CreateOrderUseCase,
  IdempotencyKeyReusedError,
} from './create-order.usecase';
import { FulfillOrderUseCase } from './fulfill-order.usecase';
import { OrderEntity, toOrderView } from './order.entity';
import { IllegalTransitionError, OrderStatuses } from './order-state';
import { OrderNotFoundError } from './order-transition';

const ListOrdersQuery = z.object({
  status: z.enum(OrderStatuses).optional(),
  customerId: z.string().min(1).max(128).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
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

function encodeCursor(order: OrderEntity): string {
  return Buffer.from(`${order.createdAt.toISOString()}|${order.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt))) {
    throw new ApiError(
      400,
      'invalid_cursor',
      'The cursor is not one this API returned; pass next_cursor as is',
    );
  }
  return { createdAt, id };
}

function asApiError(err: unknown): unknown {
  if (err instanceof OrderNotFoundError) return notFound();
  if (err instanceof IllegalTransitionError) {
    return new ApiError(409, 'illegal_transition', err.message, [{ currentStatus: err.current }]);
  }
  if (err instanceof IdempotencyKeyReusedError)
    return new ApiError(422, 'idempotency_key_reused', err.message);
  return err;
}

function notFound(): ApiError {
  return new ApiError(
    404,
    'order_not_found',
    'No order has this id; check the id returned by POST /orders',
  );
}

const uuidParam = new ParseUUIDPipe({ exceptionFactory: () => notFound() });

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly createOrder: CreateOrderUseCase,
    private readonly cancelOrder: CancelOrderUseCase,
    private readonly fulfillOrder: FulfillOrderUseCase,
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
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
  @ApiResponse({ status: 400, description: 'invalid_request: the body names what is wrong' })
  @ApiResponse({
    status: 422,
    description: 'idempotency_key_reused: the key was used with another body',
  })
  async create(
    @Body(new ZodBodyPipe(CreateOrderSchema)) body: CreateOrderCommand,
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
    summary: 'Orders, newest first, filtered by status and customer; page with next_cursor',
  })
  @ApiQuery({ name: 'status', required: false, enum: OrderStatuses })
  @ApiQuery({ name: 'customerId', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 100, default 20' })
  @ApiQuery({ name: 'cursor', required: false })
  async list(@Query(new ZodBodyPipe(ListOrdersQuery)) query: z.infer<typeof ListOrdersQuery>) {
    const qb = this.orders
      .createQueryBuilder('o')
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .take(query.limit + 1);
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.customerId)
      qb.andWhere('o.customer_id = :customerId', { customerId: query.customerId });
    if (query.cursor) {
      const after = decodeCursor(query.cursor);
      qb.andWhere('(o.created_at, o.id) < (:createdAt, :id)', after);
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toOrderView),
      next_cursor: rows.length > query.limit && last ? encodeCursor(last) : null,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order' })
  @ApiResponse({ status: 404, description: 'order_not_found' })
  async get(@Param('id', uuidParam) id: string) {
    const order = await this.orders.findOneBy({ id });
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
    @Body(new ZodBodyPipe(CancelOrderSchema)) body: z.infer<typeof CancelOrderSchema>,
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
