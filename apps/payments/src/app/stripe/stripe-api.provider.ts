import { Logger, type Provider } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type PaymentsConfig } from '../payments-env';
import { StripeApi } from './stripe-api';

export const STRIPE_API = Symbol('STRIPE_API');

/** The Stripe client, or null when STRIPE_SECRET_KEY is unset (webhook intake only). */
export const stripeApiProvider: Provider = {
  provide: STRIPE_API,
  inject: [SERVICE_CONFIG],
  useFactory: (config: PaymentsConfig): StripeApi | null => {
    if (config.STRIPE_SECRET_KEY) {
      return new StripeApi(config.STRIPE_SECRET_KEY, config.STRIPE_API_BASE_URL);
    }
    new Logger('StripeApi').warn(
      'STRIPE_SECRET_KEY is not set: no PaymentIntents for new orders, no reconciliation',
    );
    return null;
  },
};
