import { Injectable } from '@nestjs/common';
import { traceparentForNewEvent } from '@switchyard/messaging';
import { DataSource } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { OrderTransition } from './order-transition';

/** Marks a paid order shipped or handed over, announcing `order.fulfilled`. */
@Injectable()
export class FulfillOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly transition: OrderTransition,
  ) {}

  async execute(orderId: string): Promise<OrderEntity> {
    return this.dataSource.transaction(async (manager) => {
      const order = await this.orders.lock(manager, orderId);
      await this.transition.apply(manager, order, 'fulfill', {
        type: 'order.fulfilled',
        data: { orderId, fulfilledAt: new Date().toISOString() },
        traceparent: traceparentForNewEvent(),
      });
      return order;
    });
  }
}
