import { createEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { createTestPublisher } from '@switchyard/service-testing';
import { TopicRecorder, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { type PaymentsTestApp, startPaymentsApp } from '../../testing/payments-app.test-helper';
import { CreatePaymentIntentUseCase } from './create-payment-intent.usecase';

describe('PaymentIntents for new orders (real Kafka and Postgres, fake Stripe API)', () => {
  let t: PaymentsTestApp;
  let publisher: EventPublisher;

  beforeAll(async () => {
    t = await startPaymentsApp('intents');
    publisher = await createTestPublisher(t.kafkaPrefix, [Topics.ordersEvents]);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await t?.close();
  });

  function orderCreated(orderId: string, amountTotal = 4200) {
    return createEvent('order.created', orderId, {
      orderId,
      customerId: 'cus_int',
      currency: 'eur',
      amountTotal,
      lines: [{ sku: 'kettle', quantity: 1, unitPrice: amountTotal }],
    });
  }

  async function publish(...events: ReturnType<typeof orderCreated>[]) {
    await publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
        messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })),
      },
    ]);
  }

  const intentRequests = (orderId: string) =>
    t.stripe.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === '/v1/payment_intents' &&
        r.headers['idempotency-key'] === orderId,
    );

  it('creates a PaymentIntent for order.created, keyed by the order id, and serves its client secret', async () => {
    // Given a new order
    const orderId = randomUUID();

    // When its order.created event arrives, twice
    const event = orderCreated(orderId);
    await publish(event, event);

    // Then the shop front can fetch the client secret
    const payment = await waitFor('the payment to exist', async () => {
      const res = await fetch(`${t.url}/payments/${orderId}`);
      return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
    });
    expect(payment).toMatchObject({ orderId, amount: 4200, currency: 'eur', status: 'pending' });
    expect(payment['clientSecret']).toMatch(/^pi_\w+_secret_\w+$/);

    // And once a later order on the same partition has its payment, both copies were handled
    const later = orderCreated(randomUUID());
    await publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(later) }],
      },
    ]);
    await waitFor(
      'the later order to have its payment',
      async () => (await fetch(`${t.url}/payments/${later.subject}`)).status === 200,
    );

    // And Stripe was asked once, form-encoded, with the secret key, the order id as idempotency key and in metadata
    const [request, ...others] = intentRequests(orderId);
    expect(others).toHaveLength(0);
    expect(request?.headers['authorization']).toBe('Bearer sk_test_payments_int');
    expect(request?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.form).toMatchObject({
      amount: '4200',
      currency: 'eur',
      metadata: { order_id: orderId },
    });
  });

  it('gets the same PaymentIntent back when a retry follows a failed commit', async () => {
    // Given a first attempt whose transaction rolls back after Stripe answered
    const orderId = randomUUID();
    const useCase = t.app.get(CreatePaymentIntentUseCase);
    await t.dataSource
      .transaction(async (manager) => {
        await useCase.execute(manager, orderCreated(orderId, 999));
        throw new Error('the database went away before commit');
      })
      .catch(() => undefined);

    // When the event is processed again
    await t.dataSource.transaction((manager) =>
      useCase.execute(manager, orderCreated(orderId, 999)),
    );

    // Then Stripe saw two requests with one idempotency key and returned one PaymentIntent
    const requests = intentRequests(orderId);
    expect(requests).toHaveLength(2);
    const [stored] = await t.dataSource.query(
      'SELECT id FROM payments.payment_intents WHERE order_id = $1',
      [orderId],
    );
    expect(
      t.stripe
        .listPaymentIntents()
        .filter((pi) => pi.metadata['order_id'] === orderId)
        .map((pi) => pi.id),
    ).toEqual([stored.id]);
  });

  it('waits out a Stripe outage longer than the retry budget instead of dead-lettering the order', async () => {
    // Given Stripe answering 503 to the next 15 requests (stripe-node tries each call three
    // times; the consumer's budget is four calls: twelve requests would exhaust it)
    const orderId = randomUUID();
    const dlq = new TopicRecorder([`${t.kafkaPrefix}${Topics.ordersEvents}.dlq`]);
    await dlq.start();
    t.stripe.failNext(15);
    try {
      // When the order's order.created arrives
      await publish(orderCreated(orderId));

      // Then its PaymentIntent is created once Stripe is back
      await waitFor(
        'the PaymentIntent after the outage',
        async () => (await fetch(`${t.url}/payments/${orderId}`)).status === 200,
        { timeoutMs: 60_000 },
      );
      const refused = intentRequests(orderId).filter((r) => r.status === 503);
      expect(refused.length).toBe(15);
      // And the order never reached the dead-letter topic (a later one does: the reader works)
      const marker = { ...orderCreated(randomUUID()), data: { broken: true } };
      await publisher.sendBatch([
        {
          topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
          messages: [{ key: orderId, value: JSON.stringify(marker) }],
        },
      ]);
      await waitFor('the marker in the DLQ', () =>
        dlq.messages.some((m) => m.value?.includes(marker.id)),
      );
      expect(dlq.messages.some((m) => m.key === orderId && !m.value?.includes(marker.id))).toBe(
        false,
      );
    } finally {
      await dlq.stop();
    }
  }, 90_000);

  it('answers 404 with a code for an order that has no PaymentIntent', async () => {
    const res = await fetch(`${t.url}/payments/${randomUUID()}`);

    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'payment_not_found',
    );
  });
});
