import { randomUUID } from 'node:crypto';
import { mapStripeEvent, StripeEventMappingError } from './stripe-event.mapper';

function succeeded(metadata: Record<string, string>) {
  return {
    id: 'evt_1',
    type: 'payment_intent.succeeded',
    created: 1_764_000_000,
    data: {
      object: { id: 'pi_1', amount: 2000, amount_received: 1500, currency: 'usd', metadata },
    },
  };
}

describe('Stripe event mapping', () => {
  it('maps a succeeded PaymentIntent to payment.succeeded for the order in its metadata', () => {
    const orderId = randomUUID();

    const result = mapStripeEvent(succeeded({ order_id: orderId }));

    expect(result.kind).toBe('events');
    const [event] = result.kind === 'events' ? result.events : [];
    expect(event).toMatchObject({
      type: 'payment.succeeded',
      subject: orderId,
      occurredAt: new Date(1_764_000_000_000).toISOString(),
      data: {
        orderId,
        paymentIntentId: 'pi_1',
        amount: 1500,
        currency: 'usd',
        providerEventId: 'evt_1',
      },
    });
  });

  it('refuses a PaymentIntent without metadata.order_id, saying how to fix it', () => {
    expect(() => mapStripeEvent(succeeded({}))).toThrow(StripeEventMappingError);
    expect(() => mapStripeEvent(succeeded({}))).toThrow(/metadata\.order_id/);
  });

  it('ignores event types it does not handle, with the reason', () => {
    const result = mapStripeEvent({ ...succeeded({}), type: 'customer.created' });

    expect(result).toEqual({
      kind: 'ignored',
      reason: 'no mapping for Stripe event type customer.created',
    });
  });
});
