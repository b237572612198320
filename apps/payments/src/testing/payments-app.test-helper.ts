import { loadConfig } from '@switchyard/service';
import { type InProcessService, startInProcessService } from '@switchyard/service-testing';
import { generateStripeSignatureHeader } from '@switchyard/signing';
import { FakeStripeApi } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
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

/** Posts a Stripe event to an instance's webhook, signed with its secret, as Stripe does. */
export function deliverStripeEvent(
  app: { readonly url: string },
  event: object,
): Promise<Response> {
  const body = JSON.stringify(event);
  return fetch(`${app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': generateStripeSignatureHeader(WEBHOOK_SECRET, body),
    },
    body,
  });
}

/** A PaymentIntent of 50.00 USD paid for the order, as Stripe's events carry it. */
export function paidPaymentIntent(orderId: string) {
  return {
    id: `pi_${randomUUID().replace(/-/g, '')}`,
    object: 'payment_intent',
    amount: 5000,
    amount_received: 5000,
    currency: 'usd',
    metadata: { order_id: orderId },
  };
}
