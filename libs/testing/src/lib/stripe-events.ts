import { randomBytes } from 'node:crypto';
import { paymentIntentEvent } from './fake-stripe-api';
import paymentIntentFixture from './fixtures/stripe/payment_intent.json';

/**
 * A `payment_intent.succeeded` event shaped like Stripe's (fixtures from Stripe's OpenAPI
 * spec), with our own ids, amount and `metadata.order_id`.
 */
export function paymentIntentSucceededEvent(input: {
  orderId: string;
  amount: number;
  currency: string;
}) {
  return paymentIntentEvent('payment_intent.succeeded', {
    ...paymentIntentFixture,
    id: `pi_${randomBytes(8).toString('hex')}`,
    amount: input.amount,
    amount_received: input.amount,
    currency: input.currency,
    status: 'succeeded',
    metadata: { order_id: input.orderId },
  });
}
