import { randomBytes } from 'node:crypto';
import { paymentIntentEvent } from './fake-stripe-api';
import chargeFixture from './fixtures/stripe/charge.json';
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

/**
 * A `charge.refunded` event shaped like Stripe's (fixture from Stripe's OpenAPI spec): the charge
 * of the given PaymentIntent, with its amount, currency and metadata, and `amountRefunded` (all of
 * it unless given) refunded.
 */
export function chargeRefundedEvent(
  paymentIntent: Record<string, unknown>,
  amountRefunded = paymentIntent['amount'] as number,
) {
  const amount = paymentIntent['amount'] as number;
  return paymentIntentEvent('charge.refunded', {
    ...chargeFixture,
    id: `ch_${randomBytes(8).toString('hex')}`,
    payment_intent: paymentIntent['id'],
    amount,
    amount_captured: amount,
    amount_refunded: amountRefunded,
    captured: true,
    refunded: amountRefunded === amount,
    currency: paymentIntent['currency'],
    metadata: paymentIntent['metadata'],
  });
}
