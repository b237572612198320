import { loadConfig } from '@switchyard/service';
import { type InProcessService, startInProcessService } from '@switchyard/service-testing';
import { FakeStripeApi } from '@switchyard/testing';
import { AppModule } from '../app/app.module';
import { PaymentsEnv } from '../app/payments-env';

export const WEBHOOK_SECRET = 'whsec_payments_int_test_secret';
export const ADMIN_TOKEN = 'payments-int-admin-token-0123456789';

export interface PaymentsTestApp extends InProcessService {
  readonly stripe: FakeStripeApi;
}

/** Payments in this process, with the fake Stripe API (the one third party we cannot reach). */
export async function startPaymentsApp(
  label: string,
  env: Record<string, string> = {},
  /** Another instance's database and topic prefix: a second instance of the same deployment. */
  shared?: Parameters<typeof startInProcessService>[3],
): Promise<PaymentsTestApp> {
  const stripe = new FakeStripeApi({ secretKey: 'sk_test_payments_int' });
  const address = await stripe.start();
  const service = await startInProcessService(
    label,
    (base) => AppModule.forRoot(loadConfig(PaymentsEnv, base)),
    {
      STRIPE_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      STRIPE_SECRET_KEY: 'sk_test_payments_int',
      STRIPE_API_BASE_URL: address.url,
      STRIPE_PROCESSOR_POLL_MS: '100',
      STRIPE_RECONCILE_INTERVAL_MS: '0',
      ADMIN_TOKEN,
      ...env,
    },
    shared,
  );
  return {
    ...service,
    stripe,
    close: async () => {
      await service.close();
      await stripe.stop();
    },
  };
}
