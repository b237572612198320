import { Inject, Injectable } from '@nestjs/common';
import { newTraceparent } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { lockOrder, transitionOrder } from './order-transition';

/** Cancels an order that is not paid yet, announcing `order.cancelled`. */
@Injectable()
export class CancelOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  async execute(orderId: string, reason: string | null): Promise<OrderEntity> {
    return this.dataSource.transaction(async (manager) => {
      const order = await lockOrder(manager, orderId);
      await transitionOrder(manager, this.config.DB_SCHEMA, order, 'cancel', {
        type: 'order.cancelled',
        data: { orderId, reason },
        traceparent: newTraceparent(),
      });
      return order;
    });
  }
}
