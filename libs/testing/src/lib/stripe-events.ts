import { randomBytes } from 'node:crypto';
import paymentIntentFixture from './fixtures/stripe/payment_intent.json';
import eventFixture from './fixtures/stripe/event.json';

/**
 * A `payment_intent.succeeded` event shaped like Stripe's (fixtures from Stripe's OpenAPI
 * spec), with our own ids, amount and `metadata.order_id`.
 */
export function paymentIntentSucceededEvent(input: {
  orderId: string;
  amount: number;
  currency: string;
}) {
  const suffix = randomBytes(8).toString('hex');
  return {
    ...eventFixture,
    id: `evt_${suffix}`,
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    api_version: '2025-10-29.clover',
    data: {
      object: {
        ...paymentIntentFixture,
        id: `pi_${suffix}`,
        amount: input.amount,
        amount_received: input.amount,
        currency: input.currency,
        status: 'succeeded',
        metadata: { order_id: input.orderId },
      },
    },
  };
}
