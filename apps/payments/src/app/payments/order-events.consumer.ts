import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { type DomainEvent, Topics } from '@switchyard/contracts';
import { handleOnce } from '@switchyard/messaging';
import { MessagingRuntime, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import { CreatePaymentIntentUseCase } from './create-payment-intent.usecase';

/** `order.created` → a PaymentIntent at Stripe, through the idempotent inbox. */
@Injectable()
export class OrderEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly dataSource: DataSource,
    private readonly createPaymentIntent: CreatePaymentIntentUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OrderEventsConsumer.name);
  }

  onModuleInit(): void {
    if (!this.createPaymentIntent.enabled) {
      this.logger.warn(
        'STRIPE_SECRET_KEY is not set: PaymentIntents are not created for new orders',
      );
      return;
    }
    this.messaging.consume({
      name: 'order-events',
      topics: [Topics.ordersEvents],
      handler: async (event) => {
        if (event.type !== 'order.created') return;
        await handleOnce(this.dataSource, this.config.DB_SCHEMA, 'order-events', event, (manager) =>
          this.createPaymentIntent.execute(manager, event as DomainEvent<'order.created'>),
        );
      },
    });
  }
}
