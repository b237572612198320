import { Inject, Injectable } from '@nestjs/common';
import { newTraceparent } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { lockOrder, transitionOrder } from './order-transition';

/** Marks a paid order shipped or handed over, announcing `order.fulfilled`. */
@Injectable()
export class FulfillOrderUseCase {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  async execute(orderId: string): Promise<OrderEntity> {
    return this.dataSource.transaction(async (manager) => {
      const order = await lockOrder(manager, orderId);
      await transitionOrder(manager, this.config.DB_SCHEMA, order, 'fulfill', {
        type: 'order.fulfilled',
        data: { orderId, fulfilledAt: new Date().toISOString() },
        traceparent: newTraceparent(),
      });
      return order;
    });
  }
}
