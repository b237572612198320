import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiError, ZodBodyPipe } from '@switchyard/service';
import { Repository } from 'typeorm';
import {
  type CreateOrderCommand,
  CreateOrderSchema,
  CreateOrderUseCase,
} from './create-order.usecase';
import { OrderEntity, toOrderView } from './order.entity';

@Controller('orders')
export class OrdersController {
  constructor(
    private readonly createOrder: CreateOrderUseCase,
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
  ) {}

  @Post()
  @HttpCode(201)
  async create(@Body(new ZodBodyPipe(CreateOrderSchema)) body: CreateOrderCommand) {
    return toOrderView(await this.createOrder.execute(body));
  }

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => notFound() })) id: string) {
    const order = await this.orders.findOneBy({ id });
    if (!order) throw notFound();
    return toOrderView(order);
  }
}

function notFound(): ApiError {
  return new ApiError(
    404,
    'order_not_found',
    'No order has this id; check the id returned by POST /orders',
  );
}
