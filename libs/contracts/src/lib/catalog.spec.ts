import { v4 as uuidv4 } from 'uuid';
import { createEvent, parseEvent, topicOf } from './catalog';
import { ContractViolationError } from './contract-violation.error';

const orderId = uuidv4();

describe('event catalog', () => {
  it('builds an order.created envelope that parses back to the same event', () => {
    const event = createEvent('order.created', orderId, {
      orderId,
      customerId: 'cus_1',
      currency: 'usd',
      amountTotal: 2500,
      lines: [{ sku: 'sku-1', quantity: 1, unitPrice: 2500 }],
    });

    expect(parseEvent(JSON.stringify(event))).toEqual(event);
    expect(event.version).toBe(1);
    expect(event.source).toBe('orders');
    expect(topicOf(event.type)).toBe('orders.events.v1');
  });

  it('refuses to build an event whose data breaks its schema, naming the field', () => {
    expect(() =>
      createEvent('payment.succeeded', orderId, {
        orderId,
        provider: 'stripe',
        providerEventId: 'evt_1',
        paymentIntentId: 'pi_1',
        amount: -1,
        currency: 'usd',
      }),
    ).toThrow(/data\.amount/);
  });

  it.each([
    ['not JSON', '{nope', 'not_json'],
    ['an envelope without id', JSON.stringify({ type: 'order.paid' }), 'invalid_envelope'],
    [
      'an unknown type',
      JSON.stringify({ ...validOrderPaid(), type: 'order.teleported' }),
      'unknown_event_type',
    ],
    [
      'an unsupported version',
      JSON.stringify({ ...validOrderPaid(), version: 9 }),
      'unsupported_version',
    ],
    ['bad data', JSON.stringify({ ...validOrderPaid(), data: { orderId } }), 'invalid_data'],
  ])('rejects %s with a contract violation naming the failure', (_label, raw, code) => {
    expect(() => parseEvent(raw)).toThrow(ContractViolationError);
    expect(() => parseEvent(raw)).toThrow(expect.objectContaining({ code }));
  });
});

function validOrderPaid() {
  return createEvent('order.paid', orderId, {
    orderId,
    amount: 100,
    currency: 'usd',
    paymentIntentId: 'pi_1',
    paidAt: new Date().toISOString(),
  });
}
