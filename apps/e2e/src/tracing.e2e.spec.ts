import {
  OtlpTraceReceiver,
  PartnerSink,
  paymentIntentSucceededEvent,
  type ReceivedSpan,
  type ServiceProcess,
  waitFor,
} from '@switchyard/testing';
import { readFileSync } from 'node:fs';
import {
  createPartnerEndpoint,
  type E2eStack,
  json,
  sendStripeEvent,
  startE2eStack,
} from './support/e2e-stack';

describe('one trace from the Stripe webhook to the partner (three services, OTLP, real Kafka and Postgres)', () => {
  let stack: E2eStack;
  const receiver = new OtlpTraceReceiver();
  const sink = new PartnerSink();

  beforeAll(async () => {
    stack = await startE2eStack(
      'e2e_tracing',
      { orders: 4122, payments: 4121, notifications: 4123 },
      {
        LOG_LEVEL: 'info',
        // The standard variables, as an operator sets them for a collector
        OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start(),
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    );
    const endpoint = await createPartnerEndpoint(stack, {
      url: await sink.start(),
      eventTypes: ['order.paid'],
    });
    sink.useSecret(endpoint.secret);
  });

  afterAll(async () => {
    await stack?.stop();
    await sink.stop();
    await receiver.stop();
  });

  it('joins the webhook, processing, both relays, both consumers and the delivery attempt in one trace, and logs its id', async () => {
    // Given an order
    const { orders, payments, notifications } = stack;
    const order = await json<{ id: string; amountTotal: number }>(
      await fetch(`${orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId: 'cus_traced',
          currency: 'usd',
          lines: [{ sku: 'lamp', quantity: 1, unitPrice: 4200 }],
        }),
      }),
    );

    // When Stripe reports its payment
    const payload = JSON.stringify(
      paymentIntentSucceededEvent({
        orderId: order.id,
        amount: order.amountTotal,
        currency: 'usd',
      }),
    );
    const answer = await sendStripeEvent(stack, payload);
    expect(answer.status).toBe(200);
    await waitFor('the partner to receive order.paid', () =>
      sink.received.some(
        (w) => w.verified.ok && (w.verified.payload as { type?: string }).type === 'order.paid',
      ),
    );

    // Then the webhook request's trace holds every hop, each under a span of the same trace
    const webhook = await waitFor('the webhook request span', () =>
      receiver.spans.find(
        (s) =>
          s.service === 'switchyard-payments' &&
          (s.attributes['url.path'] ?? s.attributes['http.target']) === '/webhooks/stripe',
      ),
    );
    const hops: [string, string][] = [
      ['switchyard-payments', 'stripe.process'],
      ['switchyard-payments', 'publish payments.events.v1'],
      ['switchyard-orders', 'consume payment.succeeded'],
      ['switchyard-orders', 'publish orders.events.v1'],
      ['switchyard-notifications', 'consume order.paid'],
      ['switchyard-notifications', 'webhook.attempt'],
    ];
    const trace = await waitFor('every hop in the trace', () => {
      const spans = receiver.trace(webhook.traceId);
      const has = (service: string, name: string) =>
        spans.some((s) => s.service === service && s.name === name);
      return hops.every(([service, name]) => has(service, name)) ? spans : undefined;
    });
    const ids = new Set(trace.map((s) => s.spanId));
    const orphans = trace.filter((s: ReceivedSpan) => s.parentSpanId && !ids.has(s.parentSpanId));
    expect(orphans.map((s) => `${s.service} ${s.name}`)).toEqual([]);
    expect(webhook.parentSpanId).toBeUndefined();
    // with the queries of each hop under it
    const queries = trace.filter(
      (s) => (s.attributes['db.system.name'] ?? s.attributes['db.system']) === 'postgresql',
    );
    expect(new Set(queries.map((s) => s.service))).toEqual(
      new Set(['switchyard-payments', 'switchyard-orders', 'switchyard-notifications']),
    );
    const attempt = trace.find((s) => s.name === 'webhook.attempt') as ReceivedSpan;
    expect(attempt.attributes['http.response.status_code']).toBe(204);
    expect(receiver.refused).toEqual([]);
    // and the partner is not sent our trace
    expect(sink.received.every((w) => w.headers['traceparent'] === undefined)).toBe(true);

    // and the log lines of that work carry the trace id
    await Promise.all(stack.services.map((s) => s.stop()));
    const traced = (service: ServiceProcess) =>
      readFileSync(service.logFile, 'utf8')
        .split('\n')
        .filter((line) => line.includes(`"trace_id":"${webhook.traceId}"`));
    // the request's own line, which names no trace itself: the id comes from the active span
    expect(traced(payments).some((line) => line.includes('"msg":"Stripe event received"'))).toBe(
      true,
    );
    expect(traced(orders).length).toBeGreaterThan(0);
    expect(traced(notifications).length).toBeGreaterThan(0);
  });
});
