import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceCoreModule } from '@switchyard/service';
import { CreateOrdersSchema1764300000000 } from './migrations/1764300000000-create-orders-schema';
import { IdempotencyAndRefunds1764400000000 } from './migrations/1764400000000-idempotency-and-refunds';
import { PartitionByTime1764700000000 } from './migrations/1764700000000-partition-by-time';
import { partitionedTables } from './partitioned-tables';
import { CancelOrderUseCase } from './orders/cancel-order.usecase';
import { FulfillOrderUseCase } from './orders/fulfill-order.usecase';
import { ApplyPaymentEventUseCase } from './orders/apply-payment-event.usecase';
import { CreateOrderUseCase } from './orders/create-order.usecase';
import { OrderEntity } from './orders/order.entity';
import { OrderRepository } from './orders/order.repository';
import { IdempotencyKeyRepository } from './orders/idempotency-key.repository';
import { OrderTransition } from './orders/order-transition';
import { OrdersController } from './orders/orders.controller';
import { PaymentEventsHandler } from './orders/payment-events.handler';
import { type OrdersConfig } from './orders-env';

@Module({})
export class AppModule {
  static forRoot(config: OrdersConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          name: 'orders',
          config,
          migrations: [
            CreateOrdersSchema1764300000000,
            IdempotencyAndRefunds1764400000000,
            PartitionByTime1764700000000,
          ],
          partitionedTables,
          entities: [OrderEntity],
          consumer: 'payment-events',
        }),
        TypeOrmModule.forFeature([OrderEntity]),
      ],
      controllers: [OrdersController, PaymentEventsHandler],
      providers: [
        CreateOrderUseCase,
        CancelOrderUseCase,
        FulfillOrderUseCase,
        ApplyPaymentEventUseCase,
        OrderTransition,
        OrderRepository,
        IdempotencyKeyRepository,
      ],
    };
  }
}
