import { paymentIntentEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type PaymentsTestApp,
  startPaymentsApp,
  deliverStripeEvent,
  paidPaymentIntent,
} from '../../testing/payments-app.test-helper';
import { StripeReconciler } from '../stripe/stripe-reconciler';

const at = (offset: number) => 1_764_000_000 + offset;

/** The Charge of a PaymentIntent, refunded by `amountRefunded`; no order id of its own. */
function charge(pi: { id: string }, amountRefunded: number) {
  return {
    id: `ch_${pi.id.slice(3)}`,
    object: 'charge',
    payment_intent: pi.id,
    amount: 5000,
    amount_refunded: amountRefunded,
    currency: 'usd',
    refunded: amountRefunded === 5000,
    metadata: {},
  };
}

async function settledIn(app: PaymentsTestApp): Promise<void> {
  await waitFor('every stored event to be processed', async () => {
    const [{ n }] = await app.dataSource.query(
      `SELECT count(*)::int AS n FROM payments.stripe_events WHERE status = 'received'`,
    );
    return n === 0;
  });
}

/** The domain events published for an order, in outbox order. */
async function publishedIn(app: PaymentsTestApp, orderId: string): Promise<string[]> {
  const rows: { type: string }[] = await app.dataSource.query(
    `SELECT payload::json->>'type' AS type FROM payments.outbox WHERE message_key = $1 ORDER BY position`,
    [orderId],
  );
  return rows.map((r) => r.type);
}

describe('Stripe event processing and reconciliation (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    t = await startPaymentsApp('processing');
  });

  afterAll(() => t?.close());

  async function deliver(event: object): Promise<void> {
    const res = await deliverStripeEvent(t, event);
    expect(res.status).toBe(200);
  }

  const settled = () => settledIn(t);

  const publishedFor = (orderId: string) => publishedIn(t, orderId);

  async function admin(path: string, body?: object) {
    const res = await fetch(`${t.url}/admin/stripe-events${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('publishes success then refund when Stripe delivers the refund first, and nothing for the late success', async () => {
    // Given a paid and fully refunded PaymentIntent
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);

    // When the refund arrives before the success
    const refund = paymentIntentEvent('charge.refunded', charge(pi, 5000), at(20));
    await deliver(refund);
    await waitFor('the refund to be held back until its PaymentIntent is known', async () => {
      const [row] = await t.dataSource.query(
        'SELECT status, attempts, last_error FROM payments.stripe_events WHERE id = $1',
        [refund.id],
      );
      return (
        row?.status === 'received' &&
        row.attempts >= 1 &&
        /have not arrived yet/.test(row.last_error)
      );
    });
    await deliver(paymentIntentEvent('payment_intent.succeeded', pi, at(10)));
    await settled();

    // Then the order's story is told once, in the order it happened
    expect(await publishedFor(orderId)).toEqual(['payment.succeeded', 'payment.refunded']);
  });

  it('ignores a failure that arrives after the payment succeeded', async () => {
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);

    await deliver(paymentIntentEvent('payment_intent.succeeded', pi, at(30)));
    await deliver(
      paymentIntentEvent(
        'payment_intent.payment_failed',
        { ...pi, last_payment_error: { code: 'card_declined', message: 'declined' } },
        at(20),
      ),
    );
    await settled();

    expect(await publishedFor(orderId)).toEqual(['payment.succeeded']);
  });

  it('replays one event or a time range through the admin API without publishing anything twice', async () => {
    const orderId = randomUUID();
    const succeeded = paymentIntentEvent(
      'payment_intent.succeeded',
      paidPaymentIntent(orderId),
      at(40),
    );
    await deliver(succeeded);
    await settled();
    const from = new Date(Date.now() - 60_000).toISOString();

    expect((await admin(`/${succeeded.id}/replay`, {})).status).toBe(202);
    const range = await admin('/replay', { from, to: new Date(Date.now() + 60_000).toISOString() });
    await settled();

    expect(range.status).toBe(202);
    expect(range.body['replayed']).toBeGreaterThanOrEqual(1);
    expect(await publishedFor(orderId)).toEqual(['payment.succeeded']);
    const view = await admin(`/${succeeded.id}`);
    expect(view.body).toMatchObject({
      id: succeeded.id,
      status: 'processed',
      source: 'webhook',
      error: null,
    });
  });

  it('lists events newest first, filtered by status, a page at a time', async () => {
    const first = await admin('?status=processed&limit=2');
    const next = await admin(
      `?status=processed&limit=2&cursor=${first.body['nextCursor'] as string}`,
    );

    const ids = [
      ...(first.body['data'] as { id: string }[]),
      ...(next.body['data'] as { id: string }[]),
    ].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(
      (first.body['data'] as { status: string }[]).every((e) => e.status === 'processed'),
    ).toBe(true);
    expect((await admin('?limit=0')).status).toBe(400);
  });

  it("finds an order's events by its id, and no other order's", async () => {
    // Given two orders, each with a Stripe event
    const orderId = randomUUID();
    const mine = paymentIntentEvent('payment_intent.succeeded', paidPaymentIntent(orderId), at(50));
    const other = paymentIntentEvent(
      'payment_intent.succeeded',
      paidPaymentIntent(randomUUID()),
      at(51),
    );
    await deliver(mine);
    await deliver(other);

    // When an operator lists the events of the first order
    const found = await admin(`?orderId=${orderId}`);

    // Then only its event is listed
    expect(found.status).toBe(200);
    expect((found.body['data'] as { id: string }[]).map((e) => e.id)).toEqual([mine.id]);
  });

  it('pages through events received in the same millisecond without skipping one', async () => {
    // Given three events of one type received within a millisecond
    const type = `test.same_millisecond_${randomUUID().replace(/-/g, '')}`;
    const ids = ['a', 'b', 'c'].map((suffix) => `evt_${type.slice(5)}_${suffix}`);
    for (const [i, id] of ids.entries()) {
      await t.dataSource.query(
        `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, status, received_at)
         VALUES ($1, $2, $3, false, '{}', 'ignored', $4)`,
        [id, type, at(50), `2025-06-01T12:00:00.1231${i}0Z`],
      );
    }

    // When they are listed one per page
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin(`?type=${type}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      listed.push(...(page.body['data'] as { id: string }[]).map((e) => e.id));
      cursor = page.body['nextCursor'] as string | null;
    } while (cursor && listed.length < 10);

    // Then every one of them comes, newest first
    expect(listed).toEqual([...ids].reverse());
  });

  it('recovers exactly the events whose webhooks never arrived, and nothing on a second run', async () => {
    // Given 120 payments at Stripe, of which only every third webhook reached us
    const orders = Array.from({ length: 120 }, () => randomUUID());
    const events = orders.map((orderId) =>
      t.stripe.addEvent(paymentIntentEvent('payment_intent.succeeded', paidPaymentIntent(orderId))),
    );
    for (const event of events.filter((_, i) => i % 3 === 0)) await deliver(event);
    await settled();

    // When reconciliation lists Stripe's events (two pages and more)
    const reconciler = t.app.get(StripeReconciler);
    const firstRun = await reconciler.reconcile();
    await settled();
    const secondRun = await reconciler.reconcile();

    // Then the 80 dropped ones are recovered once, and every order is paid exactly once
    expect(firstRun).toEqual({ listed: 120, recovered: 80 });
    expect(secondRun.recovered).toBe(0);
    for (const orderId of orders)
      expect(await publishedFor(orderId)).toEqual(['payment.succeeded']);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM payments.stripe_events WHERE source = 'reconciliation'`,
    );
    expect(n).toBe(80);
  });
});

describe('Stripe event processing with a poll a minute apart (the most allowed) (real Postgres and Kafka)', () => {
  let slow: PaymentsTestApp;

  beforeAll(async () => {
    // Only wake-ups and the processor's own "more is due" move events along
    slow = await startPaymentsApp('processing_no_poll', { STRIPE_PROCESSOR_POLL_MS: '60000' });
  });

  afterAll(() => slow?.close());

  async function deliverTo(app: PaymentsTestApp, event: object): Promise<void> {
    expect((await deliverStripeEvent(app, event)).status).toBe(200);
  }

  it.each([
    ['by id', (pi: { id: string }) => pi.id],
    ['expanded', (pi: { id: string }) => ({ id: pi.id, object: 'payment_intent' })],
  ])(
    "applies a refund held back for its PaymentIntent (named %s) as soon as the PaymentIntent's own event is applied, not at its next retry",
    async (_naming, named) => {
      // Given a refund held back for its PaymentIntent, its next retry an hour away
      const orderId = randomUUID();
      const pi = paidPaymentIntent(orderId);
      const refund = paymentIntentEvent(
        'charge.refunded',
        { ...charge(pi, 5000), payment_intent: named(pi) },
        at(40),
      );
      await deliverTo(slow, refund);
      await waitFor('the refund to be held back', async () => {
        const [row] = await slow.dataSource.query(
          'SELECT attempts FROM payments.stripe_events WHERE id = $1',
          [refund.id],
        );
        return row?.attempts >= 1;
      });
      await slow.dataSource.query(
        `UPDATE payments.stripe_events SET next_attempt_at = now() + interval '1 hour' WHERE id = $1`,
        [refund.id],
      );

      // When the PaymentIntent's success arrives and is applied
      await deliverTo(slow, paymentIntentEvent('payment_intent.succeeded', pi, at(30)));

      // Then the refund is applied too, well before its retry
      await settledIn(slow);
      expect(await publishedIn(slow, orderId)).toEqual(['payment.succeeded', 'payment.refunded']);
    },
  );
});
