import {
  mapStripeEvent,
  StripeEventMappingError,
  type StripeEventLike,
} from './stripe-event.mapper';

const orderId = '3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b';

function event(type: string, object: Record<string, unknown>): StripeEventLike {
  return { id: 'evt_1', type, created: 1_764_000_000, data: { object } };
}

describe('Stripe event mapping', () => {
  it('maps a succeeded PaymentIntent to a success of the amount received, for the order in its metadata', () => {
    const result = mapStripeEvent(
      event('payment_intent.succeeded', {
        id: 'pi_1',
        amount: 2000,
        amount_received: 1500,
        currency: 'usd',
        metadata: { order_id: orderId },
      }),
    );

    expect(result).toEqual({
      kind: 'fact',
      paymentIntentId: 'pi_1',
      orderId,
      carriesOrder: true,
      fact: { kind: 'succeeded', at: 1_764_000_000, amount: 1500, currency: 'usd' },
    });
  });

  it('maps a failed payment with its decline code and message', () => {
    const result = mapStripeEvent(
      event('payment_intent.payment_failed', {
        id: 'pi_1',
        metadata: {},
        last_payment_error: {
          code: 'card_declined',
          decline_code: 'insufficient_funds',
          message: 'Your card has insufficient funds.',
        },
      }),
    );

    expect(result).toMatchObject({
      orderId: null,
      fact: {
        kind: 'failed',
        failureCode: 'insufficient_funds',
        failureMessage: 'Your card has insufficient funds.',
      },
    });
  });

  it('maps a cancellation', () => {
    expect(
      mapStripeEvent(
        event('payment_intent.canceled', { id: 'pi_1', cancellation_reason: 'abandoned' }),
      ),
    ).toMatchObject({
      fact: { kind: 'canceled', reason: 'abandoned' },
    });
  });

  it('maps a partial refund with the cumulative amount refunded', () => {
    const result = mapStripeEvent(
      event('charge.refunded', {
        id: 'ch_1',
        payment_intent: 'pi_1',
        amount: 5000,
        amount_refunded: 2000,
        currency: 'usd',
        refunded: false,
      }),
    );

    expect(result).toMatchObject({
      paymentIntentId: 'pi_1',
      fact: {
        kind: 'refunded',
        chargeId: 'ch_1',
        chargeAmount: 5000,
        amountRefunded: 2000,
        currency: 'usd',
      },
    });
  });

  it('maps a dispute, whether its charge is expanded or not', () => {
    const result = mapStripeEvent(
      event('charge.dispute.created', {
        id: 'dp_1',
        charge: { id: 'ch_1' },
        payment_intent: 'pi_1',
        amount: 5000,
        currency: 'usd',
        reason: 'fraudulent',
      }),
    );

    expect(result).toMatchObject({
      fact: { kind: 'disputed', disputeId: 'dp_1', chargeId: 'ch_1', reason: 'fraudulent' },
    });
  });

  it('maps a paid checkout session to a success, and waits on an unpaid one', () => {
    const session = {
      id: 'cs_1',
      payment_intent: 'pi_1',
      amount_total: 3299,
      currency: 'usd',
      client_reference_id: orderId,
    };

    expect(
      mapStripeEvent(event('checkout.session.completed', { ...session, payment_status: 'paid' })),
    ).toMatchObject({
      orderId,
      fact: { kind: 'succeeded', amount: 3299 },
    });
    expect(
      mapStripeEvent(event('checkout.session.completed', { ...session, payment_status: 'unpaid' })),
    ).toMatchObject({
      kind: 'ignored',
    });
  });

  it('refuses a charge that is not tied to a PaymentIntent, saying so', () => {
    expect(() =>
      mapStripeEvent(
        event('charge.refunded', {
          id: 'ch_1',
          payment_intent: null,
          amount: 1,
          amount_refunded: 1,
          currency: 'usd',
        }),
      ),
    ).toThrow(StripeEventMappingError);
  });

  it('ignores event types it does not handle, with the reason', () => {
    expect(mapStripeEvent(event('customer.created', {}))).toEqual({
      kind: 'ignored',
      reason: 'no mapping for Stripe event type customer.created',
    });
  });
});
