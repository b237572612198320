import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@switchyard/contracts';
import { handleOnce } from '@switchyard/messaging';
import { type CommonEnv, MessagingRuntime, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { ApplyPaymentEventUseCase } from './apply-payment-event.usecase';

/** Feeds payments.events.v1 into the order lifecycle through the idempotent inbox. */
@Injectable()
export class PaymentEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly dataSource: DataSource,
    private readonly applyPaymentEvent: ApplyPaymentEventUseCase,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'payment-events',
      topics: [Topics.paymentsEvents],
      handler: async (event) => {
        await handleOnce(
          this.dataSource,
          this.config.DB_SCHEMA,
          'payment-events',
          event,
          (manager) => this.applyPaymentEvent.execute(manager, event),
        );
      },
    });
  }
}
