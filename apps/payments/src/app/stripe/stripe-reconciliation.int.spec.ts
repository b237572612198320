import { paymentIntentSucceededEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { type PaymentsTestApp, startPaymentsApp } from '../../testing/payments-app.test-helper';

describe('reconciling with Stripe on a schedule (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    // Given payments reconciling every 200 ms
    t = await startPaymentsApp('reconcile_schedule', { STRIPE_RECONCILE_INTERVAL_MS: '200' });
  });

  afterAll(() => t?.close());

  async function sourceOf(id: string): Promise<string | undefined> {
    const [row] = await t.dataSource.query(
      'SELECT source FROM payments.stripe_events WHERE id = $1',
      [id],
    );
    return row?.source;
  }

  it('stores, on its own, an event whose webhook never arrived', async () => {
    // When Stripe has an event that was never delivered as a webhook
    const event = t.stripe.addEvent(
      paymentIntentSucceededEvent({ orderId: randomUUID(), amount: 700, currency: 'eur' }),
    );

    // Then a scheduled run recovers it
    await waitFor('the event to be recovered', async () => {
      return (await sourceOf(event.id)) === 'reconciliation';
    });
  });
});
