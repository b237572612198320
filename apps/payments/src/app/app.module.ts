import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@switchyard/service';
import { CreatePaymentsSchema1764300000000 } from './migrations/1764300000000-create-payments-schema';
import { type PaymentsConfig } from './payments-env';
import { StripeEventProcessor } from './stripe/stripe-event.processor';
import { StripeEventStore } from './stripe/stripe-event.store';
import { StripeWebhookController } from './stripe/stripe-webhook.controller';

@Module({})
export class AppModule {
  static forRoot(config: PaymentsConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ServiceCoreModule.forRoot({
          name: 'payments',
          config,
          migrations: [CreatePaymentsSchema1764300000000],
        }),
      ],
      controllers: [StripeWebhookController],
      providers: [StripeEventStore, StripeEventProcessor],
    };
  }
}
