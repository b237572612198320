import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceCoreModule } from '@switchyard/service';
import { CreatePaymentsSchema1764300000000 } from './migrations/1764300000000-create-payments-schema';
import { PaymentIntentsAndState1764400000000 } from './migrations/1764400000000-payment-intents-and-state';
import { PartitionByTime1764700000000 } from './migrations/1764700000000-partition-by-time';
import { ParkedEventsIndex1764900000000 } from './migrations/1764900000000-parked-events-index';
import { StripeEventTraceparent1764950000000 } from './migrations/1764950000000-stripe-event-traceparent';
import { ClaimIndexes1765000000000 } from './migrations/1765000000000-claim-indexes';
import { LockPaymentStates1765100000000 } from './migrations/1765100000000-lock-payment-states';
import { partitionedTables } from './partitioned-tables';
import { ApplyStripeEventUseCase } from './processing/apply-stripe-event.usecase';
import { PaymentsRepository } from './processing/payments.repository';
import { CreatePaymentIntentUseCase } from './payment-intents/create-payment-intent.usecase';
import { OrderEventsHandler } from './payment-intents/order-events.handler';
import { PaymentsController } from './payment-intents/payments.controller';
import { stripeApiProvider } from './stripe/stripe-api.provider';
import { type PaymentsConfig } from './payments-env';
import { StripeEventProcessor } from './processing/stripe-event.processor';
import { StripeProcessingGauges } from './processing/stripe-processing.gauges';
import { StripeEventsRepository } from './stripe/stripe-events.repository';
import { StoreStripeEventUseCase } from './stripe/store-stripe-event.usecase';
import { StripeEventsAdminController } from './stripe/stripe-events-admin.controller';
import { StripeIntakeHooks } from './stripe/stripe-intake.hooks';
import { StripeReconciler } from './stripe/stripe-reconciler';
import { StripeSyncRepository } from './stripe/stripe-sync.repository';
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
          migrations: [
            CreatePaymentsSchema1764300000000,
            PaymentIntentsAndState1764400000000,
            PartitionByTime1764700000000,
            ParkedEventsIndex1764900000000,
            StripeEventTraceparent1764950000000,
            ClaimIndexes1765000000000,
            LockPaymentStates1765100000000,
          ],
          partitionedTables,
          consumer: 'order-events',
        }),
      ],
      controllers: [
        StripeWebhookController,
        StripeEventsAdminController,
        PaymentsController,
        // Without a Stripe key there is no PaymentIntent to create: payments then consumes nothing.
        ...(config.STRIPE_SECRET_KEY ? [OrderEventsHandler] : []),
      ],
      providers: [
        stripeApiProvider,
        StripeEventsRepository,
        StoreStripeEventUseCase,
        StripeSyncRepository,
        PaymentsRepository,
        StripeEventProcessor,
        StripeProcessingGauges,
        StripeReconciler,
        StripeIntakeHooks,
        ApplyStripeEventUseCase,
        CreatePaymentIntentUseCase,
      ],
    };
  }
}
