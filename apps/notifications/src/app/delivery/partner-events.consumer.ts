import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@switchyard/contracts';
import { handleOnce } from '@switchyard/messaging';
import { MessagingRuntime, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { type NotificationsConfig } from '../notifications-env';
import { DeliveryWorker } from './delivery.worker';
import { FanOutUseCase } from './fan-out.usecase';

/** Every order and payment event may interest a partner: fan it out through the inbox. */
@Injectable()
export class PartnerEventsConsumer implements OnModuleInit {
  constructor(
    private readonly messaging: MessagingRuntime,
    private readonly dataSource: DataSource,
    private readonly fanOut: FanOutUseCase,
    private readonly worker: DeliveryWorker,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  onModuleInit(): void {
    this.messaging.consume({
      name: 'partner-fanout',
      topics: [Topics.ordersEvents, Topics.paymentsEvents],
      handler: async (event) => {
        const result = await handleOnce(
          this.dataSource,
          this.config.DB_SCHEMA,
          'partner-fanout',
          event,
          (m) => this.fanOut.execute(m, event).then(() => undefined),
        );
        if (result === 'applied') this.worker.wake();
      },
    });
  }
}
