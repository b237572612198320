import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { createTestPublisher, type InProcessService } from '@switchyard/service-testing';
import { MetricsReading, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { startOrdersApp } from '../testing/orders-app.test-helper';

const CONSUMER = 'payment-events';

describe('orders metrics, read from /metrics after real traffic (real Kafka and Postgres)', () => {
  let t: InProcessService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    t = await startOrdersApp('orders_metrics');
    publisher = await createTestPublisher(t.kafkaPrefix, [Topics.paymentsEvents]);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await t?.close();
  });

  const read = () => MetricsReading.of(t.url);

  async function placeOrder(): Promise<{ id: string }> {
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: 'cus_metrics',
        currency: 'usd',
        lines: [{ sku: 'lamp', quantity: 1, unitPrice: 4200 }],
      }),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as { id: string };
  }

  const succeeded = (orderId: string): DomainEvent<'payment.succeeded'> =>
    createEvent('payment.succeeded', orderId, {
      orderId,
      provider: 'stripe',
      providerEventId: `evt_${randomUUID()}`,
      paymentIntentId: 'pi_metrics',
      amount: 4200,
      currency: 'usd',
    });

  async function publish(...events: DomainEvent[]): Promise<void> {
    await publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.paymentsEvents}`,
        messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })),
      },
    ]);
  }

  it('counts requests by route template, transitions, refusals, consumed events, duplicates and dead letters exactly', async () => {
    // Given
    const before = await read();
    const order = await placeOrder();
    const paid = succeeded(order.id);

    // When: an unknown order is asked for, an unpaid order is fulfilled (refused), its payment
    // arrives twice, and a payment for an order that does not exist arrives
    expect((await fetch(`${t.url}/orders/${randomUUID()}`)).status).toBe(404);
    expect((await fetch(`${t.url}/orders/${order.id}/fulfill`, { method: 'POST' })).status).toBe(
      409,
    );
    await publish(paid);
    await waitFor('the payment to be applied', async () =>
      (await read()).value('switchyard_events_handled_total', {
        consumer: CONSUMER,
        outcome: 'applied',
      }) >
      before.value('switchyard_events_handled_total', { consumer: CONSUMER, outcome: 'applied' })
        ? true
        : undefined,
    );
    await publish(paid, succeeded(randomUUID()));
    const dead = { consumer: CONSUMER, topic: Topics.paymentsEvents, code: 'unknown_order' };
    // the two may sit on different partitions, handled concurrently: wait for both
    const duplicate = { consumer: CONSUMER, outcome: 'duplicate' };
    await waitFor('the duplicate dropped and the unknown order dead-lettered', async () => {
      const now = await read();
      return now.value('switchyard_events_dead_lettered_total', dead) >
        before.value('switchyard_events_dead_lettered_total', dead) &&
        now.value('switchyard_events_handled_total', duplicate) >
          before.value('switchyard_events_handled_total', duplicate)
        ? true
        : undefined;
    });
    // order.created and order.paid leave the outbox
    const after = await waitFor('the outbox to be empty', async () => {
      const now = await read();
      return now.has('switchyard_outbox_backlog_events') &&
        now.value('switchyard_outbox_backlog_events') === 0
        ? now
        : undefined;
    });

    // Then
    const increase = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    expect(
      increase('switchyard_http_requests_total', {
        route: '/orders',
        method: 'POST',
        status_code: '201',
      }),
    ).toBe(1);
    expect(
      increase('switchyard_http_requests_total', {
        route: '/orders/:id',
        method: 'GET',
        status_code: '404',
      }),
    ).toBe(1);
    expect(
      increase('switchyard_http_requests_total', {
        route: '/orders/:id/fulfill',
        method: 'POST',
        status_code: '409',
      }),
    ).toBe(1);
    expect(
      increase('switchyard_http_request_duration_seconds_count', {
        route: '/orders',
        method: 'POST',
      }),
    ).toBe(1);
    expect(
      increase('switchyard_order_transitions_refused_total', {
        from: 'pending_payment',
        command: 'fulfill',
      }),
    ).toBe(1);
    expect(
      increase('switchyard_order_transitions_total', { from: 'pending_payment', to: 'paid' }),
    ).toBe(1);
    expect(increase('switchyard_order_transitions_total')).toBe(1);
    const handled = (outcome: string) =>
      increase('switchyard_events_handled_total', {
        consumer: CONSUMER,
        event_type: 'payment.succeeded',
        outcome,
      });
    expect(handled('applied')).toBe(1);
    expect(handled('duplicate')).toBe(1);
    expect(increase('switchyard_events_dead_lettered_total', dead)).toBe(1);
    expect(increase('switchyard_events_dead_lettered_total')).toBe(1);
    expect(increase('switchyard_outbox_published_total', { topic: Topics.ordersEvents })).toBe(2);
    expect(increase('switchyard_outbox_publish_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(after.has('switchyard_outbox_oldest_age_seconds')).toBe(true);
    expect(after.value('switchyard_outbox_oldest_age_seconds')).toBe(0);
    expect(after.value('switchyard_outbox_relay_leader')).toBe(1);
    // One inbox transaction per event at most; a fetch may have taken several together
    const transactions = increase('switchyard_event_handler_duration_seconds_count', {
      consumer: CONSUMER,
    });
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThanOrEqual(3);
  });

  it("reports the consumer group's lag per partition, back to zero once the events are handled", async () => {
    // Given an order and its payment, handled
    const order = await placeOrder();
    await publish(succeeded(order.id));

    // Then every partition of the payments topic has a lag, and they come back to zero
    const reading = await waitFor('the lag to be zero on every partition', async () => {
      const now = await read();
      const lag = { consumer: CONSUMER, topic: Topics.paymentsEvents };
      return now.has('switchyard_kafka_consumer_lag_messages', lag) &&
        now.value('switchyard_kafka_consumer_lag_messages', lag) === 0
        ? now
        : undefined;
    });
    const partitions = reading.samples.filter(
      (s) => s.name === 'switchyard_kafka_consumer_lag_messages',
    );
    expect(partitions.map((s) => s.labels['partition']).sort()).toEqual(['0', '1', '2']);
  });

  it('reports whether the Postgres server vacuums by itself, as the server is set', async () => {
    // Given the server's own settings, read apart from the service
    const [settings] = (await t.dataSource.query(
      `SELECT current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS runs`,
    )) as { runs: boolean }[];

    // When /metrics is scraped
    const reading = await read();

    // Then the gauge says the same
    expect(reading.value('switchyard_postgres_autovacuum_running')).toBe(settings?.runs ? 1 : 0);
  });
});
