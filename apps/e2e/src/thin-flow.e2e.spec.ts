import {
  chargeRefundedEvent,
  familyOf,
  MetricsReading,
  PartnerSink,
  paymentIntentSucceededEvent,
  PROMETHEUS_OWN_SERIES,
  promqlMetricNames,
  readAlertRules,
  readDashboardQueries,
  type ServiceProcess,
  TopicRecorder,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  createPartnerEndpoint,
  type E2eStack,
  json,
  sendStripeEvent as sendStripe,
  startE2eStack,
} from './support/e2e-stack';

const repositoryRoot = path.resolve(__dirname, '../../..');

interface MessagePage {
  data: { id: string; deliveries: { status: string }[] }[];
}

interface Order {
  id: string;
  status: string;
  version: number;
  amountTotal: number;
  paymentIntentId: string | null;
}

describe('one order, from checkout to the partner (three services, real Kafka and Postgres)', () => {
  let stack: E2eStack;
  let orders: ServiceProcess;
  let notifications: ServiceProcess;
  let services: readonly ServiceProcess[];
  let sink: PartnerSink;
  let apiKey: string;
  let kafkaPrefix: string;

  beforeAll(async () => {
    stack = await startE2eStack(
      'e2e',
      { orders: 4101, payments: 4102, notifications: 4103 },
      { DELIVERY_RETRY_SCHEDULE: '0,200ms,500ms', STRIPE_PROCESSOR_POLL_MS: '200' },
    );
    ({ orders, notifications, services, kafkaPrefix } = stack);
    sink = new PartnerSink();
    const endpoint = await createPartnerEndpoint(stack, {
      url: await sink.start(),
      eventTypes: ['order.paid', 'order.refunded'],
    });
    apiKey = endpoint.apiKey;
    sink.useSecret(endpoint.secret);
  });

  afterAll(async () => {
    await stack?.stop();
    await sink?.stop();
  });

  async function placeOrder(): Promise<Order> {
    return json<Order>(
      await fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: 'cus_e2e',
          currency: 'usd',
          lines: [
            { sku: 'mug-blue', quantity: 2, unitPrice: 1250 },
            { sku: 'tea-earl-grey', quantity: 1, unitPrice: 799 },
          ],
        }),
      }),
    );
  }

  const sendStripeEvent = (payload: string) => sendStripe(stack, payload);

  async function getOrder(id: string): Promise<Order> {
    return json<Order>(await fetch(`${orders.url}/orders/${id}`));
  }

  function webhooksFor(orderId: string, type = 'order.paid') {
    return sink.received.filter((w) => {
      const payload = w.verified.ok
        ? (w.verified.payload as { subject?: string; type?: string })
        : {};
      return payload.subject === orderId && payload.type === type;
    });
  }

  async function messagesFor(orderId: string, type: string): Promise<MessagePage> {
    return json<MessagePage>(
      await fetch(`${notifications.url}/v1/messages?eventType=${type}&subject=${orderId}`, {
        headers: { authorization: `Bearer ${apiKey}` },
      }),
    );
  }

  it('pays an order from a signed Stripe webhook and tells the partner, signed per Standard Webhooks', async () => {
    // Given an order waiting for payment
    const order = await placeOrder();
    expect(order.status).toBe('pending_payment');
    expect(order.amountTotal).toBe(3299);

    // When Stripe reports its PaymentIntent succeeded, signed as Stripe signs
    const event = paymentIntentSucceededEvent({ orderId: order.id, amount: 3299, currency: 'usd' });
    const response = await sendStripeEvent(JSON.stringify(event));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false });

    // Then the order is paid
    const paid = await waitFor('the order to be paid', async () => {
      const current = await getOrder(order.id);
      return current.status === 'paid' ? current : undefined;
    });
    expect(paid.paymentIntentId).toBe(event.data.object.id);

    // And the partner received order.paid, verified by the standardwebhooks package
    const [webhook] = await waitFor('the partner to receive order.paid', () => {
      const received = webhooksFor(order.id);
      return received.length > 0 ? received : undefined;
    });
    expect(webhook?.verified).toEqual({
      ok: true,
      payload: expect.objectContaining({
        type: 'order.paid',
        version: 1,
        source: 'orders',
        subject: order.id,
        data: expect.objectContaining({
          orderId: order.id,
          amount: 3299,
          currency: 'usd',
          paymentIntentId: event.data.object.id,
        }),
      }),
    });
    expect(webhook?.headers['content-type']).toBe('application/json');
    expect(webhook?.headers['webhook-id']).toMatch(/^msg_/);
  });

  it('applies a Stripe event sent twice once: one state change, one partner message', async () => {
    // Given an order and a succeeded payment for it
    const order = await placeOrder();
    const succeeded = paymentIntentSucceededEvent({
      orderId: order.id,
      amount: 3299,
      currency: 'usd',
    });
    const payload = JSON.stringify(succeeded);

    // When Stripe delivers the same event twice
    const first = await sendStripeEvent(payload);
    const second = await sendStripeEvent(payload);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    expect(await second.json()).toEqual({ received: true, duplicate: true });
    await waitFor('the order to be paid', async () => (await getOrder(order.id)).status === 'paid');

    // And then Stripe reports a refund of that payment: a marker that takes the same path, keyed
    // by the order at every step (payments, orders, notifications), so whatever the duplicate
    // caused happens before the marker reaches the partner
    const refund = chargeRefundedEvent(succeeded.data.object);
    expect((await sendStripeEvent(JSON.stringify(refund))).status).toBe(200);
    await waitFor(
      'the partner to receive order.refunded',
      () => webhooksFor(order.id, 'order.refunded').length > 0,
    );

    // Then the payment changed the order once: pending_payment (1), paid (2), refunded (3)
    expect(await getOrder(order.id)).toMatchObject({ status: 'refunded', version: 3 });

    // And the partner got one order.paid message, delivered, under one webhook-id
    const messages = await waitFor('the order.paid delivery to be recorded', async () => {
      const page = await messagesFor(order.id, 'order.paid');
      const recorded = page.data.every((m) => m.deliveries.every((d) => d.status !== 'pending'));
      return page.data.length > 0 && recorded ? page : undefined;
    });
    expect(messages.data).toHaveLength(1);
    expect(messages.data[0]?.deliveries).toEqual([
      expect.objectContaining({ status: 'succeeded' }),
    ]);
    const ids = new Set(webhooksFor(order.id).map((w) => w.headers['webhook-id']));
    expect([...ids]).toEqual([messages.data[0]?.id]);
  });

  it('sends a payment for an order that does not exist to the dead-letter topic, naming the reason', async () => {
    // Given a dead-letter topic reader
    const dlq = new TopicRecorder([`${kafkaPrefix}payments.events.v1.dlq`]);
    await dlq.start();
    try {
      // When Stripe reports a payment for an order nobody placed
      const ghostOrderId = randomUUID();
      const payload = JSON.stringify(
        paymentIntentSucceededEvent({ orderId: ghostOrderId, amount: 100, currency: 'usd' }),
      );
      expect((await sendStripeEvent(payload)).status).toBe(200);

      // Then orders refuses it into payments.events.v1.dlq with the reason, and the partition moves on
      const dead = await waitFor('the payment in the DLQ', () =>
        dlq.messages.find((m) => m.key === ghostOrderId),
      );
      expect(dead.headers['x-error-code']).toBe('unknown_order');
      expect(dead.headers['x-error-message']).toContain(ghostOrderId);
    } finally {
      await dlq.stop();
    }
  });

  it('exports every metric the alert rules and the dashboard use, as the flows above left them', async () => {
    // Given the three services after the flows above, scraped as Prometheus scrapes them (the
    // dead letter is counted once Kafka has acknowledged it, which may follow its arrival)
    const readings = await waitFor('the dead letter to be counted', async () => {
      const all = await Promise.all(services.map((s) => MetricsReading.of(s.url)));
      const deadLetters = all.reduce(
        (sum, r) =>
          sum + r.value('switchyard_events_dead_lettered_total', { code: 'unknown_order' }),
        0,
      );
      return deadLetters > 0 ? all : undefined;
    });
    const scrapes = path.join(repositoryRoot, '.local/e2e-metrics');
    mkdirSync(scrapes, { recursive: true });
    services.forEach((s, i) =>
      writeFileSync(path.join(scrapes, `${s.name}.prom`), readings[i]?.text ?? ''),
    );
    const families = new Map(readings.flatMap((r) => [...r.families]));

    // When the rules and the board are read
    const docs = path.join(repositoryRoot, 'docs/operations');
    const named = [
      ...readAlertRules(path.join(docs, 'alerts.yml')).map((r) => r.expr),
      ...readDashboardQueries(path.join(docs, 'dashboard.json')).map((q) => q.expr),
    ].flatMap(promqlMetricNames);

    // Then each metric they name is one a service exports
    const missing = [...new Set(named)].filter(
      (name) => !PROMETHEUS_OWN_SERIES.has(name) && !familyOf(name, families),
    );
    expect(missing).toEqual([]);
    // and the flows above show in them: a stored Stripe event, a delivery, a dead letter
    const total = (name: string, labels: Record<string, string> = {}) =>
      readings.reduce((sum, r) => sum + r.value(name, labels), 0);
    expect(total('switchyard_stripe_webhooks_total', { outcome: 'stored' })).toBeGreaterThan(0);
    expect(total('switchyard_deliveries_total', { result: 'succeeded' })).toBeGreaterThan(0);
    expect(
      total('switchyard_events_dead_lettered_total', { code: 'unknown_order' }),
    ).toBeGreaterThan(0);
  });
});
