import { Injectable } from '@nestjs/common';
import { traceparentForNewEvent } from '@switchyard/messaging';
import { DataSource } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { OrderTransition } from './order-transition';

/** Cancels an order that is not paid yet, announcing `order.cancelled`. */
@Injectable()
export class CancelOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrderRepository,
    private readonly transition: OrderTransition,
  ) {}

  async execute(orderId: string, reason: string | null): Promise<OrderEntity> {
    return this.dataSource.transaction(async (manager) => {
      const order = await this.orders.lock(manager, orderId);
      await this.transition.apply(manager, order, 'cancel', {
        type: 'order.cancelled',
        data: { orderId, reason },
        traceparent: traceparentForNewEvent(),
      });
      return order;
    });
  }
}
