import { generateStripeSignatureHeader } from '@switchyard/signing';
import { MetricsReading, paymentIntentSucceededEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  type PaymentsTestApp,
  startPaymentsApp,
  WEBHOOK_SECRET,
} from '../testing/payments-app.test-helper';
import { StripeReconciler } from './stripe/stripe-reconciler';

describe('payments metrics, read from /metrics after real traffic (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    t = await startPaymentsApp('payments_metrics');
  });

  afterAll(() => t?.close());

  const read = () => MetricsReading.of(t.url);

  async function post(body: string, signature: string): Promise<number> {
    const res = await fetch(`${t.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
      body,
    });
    return res.status;
  }

  const signed = (body: string, secret = WEBHOOK_SECRET) =>
    generateStripeSignatureHeader(secret, body, Math.floor(Date.now() / 1000));

  async function statusOf(id: string): Promise<string | undefined> {
    const [row] = await t.dataSource.query(
      'SELECT status FROM payments.stripe_events WHERE id = $1',
      [id],
    );
    return row?.status;
  }

  it('counts webhooks, processing by type and result, its lag, parked events and reconciliation exactly', async () => {
    // Given
    const before = await read();
    const paid = paymentIntentSucceededEvent({
      orderId: randomUUID(),
      amount: 900,
      currency: 'usd',
    });
    const orphan = paymentIntentSucceededEvent({ orderId: 'x', amount: 500, currency: 'usd' });
    orphan.data.object.metadata = {} as never;
    const missed = t.stripe.addEvent(
      paymentIntentSucceededEvent({ orderId: randomUUID(), amount: 700, currency: 'eur' }),
    );

    // When a payment arrives, one without an order id arrives (parked), a forged one is refused,
    // and reconciliation finds the one whose webhook never came
    expect(await post(JSON.stringify(paid), signed(JSON.stringify(paid)))).toBe(200);
    expect(await post(JSON.stringify(orphan), signed(JSON.stringify(orphan)))).toBe(200);
    const forged = JSON.stringify(paid);
    expect(await post(forged, signed(forged, 'whsec_not_ours'))).toBe(400);
    await t.app.get(StripeReconciler).reconcile();
    await waitFor('every stored event to be settled', async () => {
      const statuses = await Promise.all([paid.id, orphan.id, missed.id].map(statusOf));
      return statuses.every((s) => s === 'processed' || s === 'failed') ? statuses : undefined;
    });
    const after = await read();

    // Then
    const increase = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    const processed = (result: string) =>
      increase('switchyard_stripe_events_processed_total', {
        type: 'payment_intent.succeeded',
        result,
      });
    expect(processed('processed')).toBe(2);
    expect(processed('failed')).toBe(1);
    expect(increase('switchyard_stripe_events_processed_total')).toBe(3);
    expect(increase('switchyard_stripe_processing_lag_seconds_count')).toBe(2);
    expect(after.value('switchyard_stripe_events_parked')).toBe(1);
    expect(increase('switchyard_stripe_webhooks_total', { outcome: 'stored' })).toBe(2);
    expect(increase('switchyard_stripe_webhooks_total', { outcome: 'rejected' })).toBe(1);
    expect(increase('switchyard_stripe_reconciliation_runs_total', { result: 'ok' })).toBe(1);
    expect(increase('switchyard_stripe_events_recovered_total')).toBe(1);
    expect(
      increase('switchyard_http_requests_total', {
        route: '/webhooks/stripe',
        method: 'POST',
        status_code: '200',
      }),
    ).toBe(2);
    expect(
      increase('switchyard_http_requests_total', {
        route: '/webhooks/stripe',
        method: 'POST',
        status_code: '400',
      }),
    ).toBe(1);
  });
});
