import { DAY_MS, dayOf, PartitionMaintainer, partitionName } from '@switchyard/service';
import { paymentIntentEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { partitionedTables } from './partitioned-tables';
import {
  type PaymentsTestApp,
  startPaymentsApp,
  deliverStripeEvent,
  paidPaymentIntent,
} from '../testing/payments-app.test-helper';

describe('retention of Stripe events (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;
  const now = Date.now();
  const tenDaysAgo = now - 10 * DAY_MS;

  beforeAll(async () => {
    // Daily partitions, so a day's rows and the day's partition go together past the retention.
    t = await startPaymentsApp('retention', { PARTITION_DAYS: '1' });
  });

  afterAll(() => t?.close());

  function succeeded(orderId: string, createdMs: number) {
    return paymentIntentEvent(
      'payment_intent.succeeded',
      paidPaymentIntent(orderId),
      Math.floor(createdMs / 1000),
    );
  }

  async function deliver(event: object): Promise<{ duplicate: boolean }> {
    const res = await deliverStripeEvent(t, event);
    expect(res.status).toBe(200);
    return (await res.json()) as { duplicate: boolean };
  }

  async function processed(id: string): Promise<void> {
    await waitFor(`Stripe event ${id} to be processed`, async () => {
      const [row] = await t.dataSource.query(
        'SELECT status FROM payments.stripe_events WHERE id = $1',
        [id],
      );
      return row?.status === 'processed';
    });
  }

  /** The partition each stored row of this event lives in (none once retention took it). */
  async function partitionsHolding(id: string): Promise<string[]> {
    const rows: { partition: string }[] = await t.dataSource.query(
      'SELECT tableoid::regclass::text AS partition FROM payments.stripe_events WHERE id = $1',
      [id],
    );
    return rows.map((r) => r.partition);
  }

  async function publishedFor(orderId: string): Promise<{ type: string; partition: string }[]> {
    return t.dataSource.query(
      `SELECT payload::json->>'type' AS type, tableoid::regclass::text AS partition
       FROM payments.outbox WHERE message_key = $1 ORDER BY position`,
      [orderId],
    );
  }

  async function partitionsOf(table: string): Promise<string[]> {
    const rows: { name: string }[] = await t.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1)`,
      [`payments.${table}`],
    );
    return rows.map((r) => r.name);
  }

  const maintainer = () =>
    new PartitionMaintainer(t.dataSource, {
      schema: 'payments',
      tables: partitionedTables,
      retentionDays: 5,
      partitionDays: 1,
    });

  const today = (table: string) => `payments.${partitionName(table, dayOf(now))}`;
  const oldDay = partitionName('stripe_events', dayOf(tenDaysAgo));
  const oldOrder = randomUUID();
  const freshOrder = randomUUID();
  const oldEvent = succeeded(oldOrder, tenDaysAgo);
  const freshEvent = succeeded(freshOrder, now);

  it('stores a fresh event and its payment event in the partitions made for today at start', async () => {
    // Given a service that has just started
    // When a Stripe event created now arrives and is processed
    await deliver(freshEvent);
    await processed(freshEvent.id);

    // Then the event and the payment.succeeded it produced are in today's partitions, not the default
    expect(await partitionsHolding(freshEvent.id)).toEqual([today('stripe_events')]);
    expect(await publishedFor(freshOrder)).toEqual([
      { type: 'payment.succeeded', partition: today('outbox') },
    ]);
  });

  it('drops the day of an event older than the retention, and keeps the fresh one', async () => {
    // Given an event Stripe created ten days ago, received and processed now
    await deliver(oldEvent);
    await processed(oldEvent.id);
    expect(await partitionsHolding(oldEvent.id)).toEqual([`payments.${oldDay}`]);

    // When two instances run maintenance with a retention of 5 days at the same moment
    const reports = await Promise.all([maintainer().run(), maintainer().run()]);

    // Then both runs succeed, the old day's partition and event are gone, and the fresh one stays
    expect(reports.flat().filter((r) => r.dropError)).toEqual([]);
    expect(await partitionsOf('stripe_events')).not.toContain(oldDay);
    expect(await partitionsHolding(oldEvent.id)).toEqual([]);
    expect(await partitionsHolding(freshEvent.id)).toEqual([today('stripe_events')]);
    // And a redelivery of the fresh event is still recognised
    expect(await deliver(freshEvent)).toEqual({ received: true, duplicate: true });
  });

  it('takes a redelivery of an event older than the retention as new, and publishes nothing new for it', async () => {
    // Given the old event's day was dropped by retention (previous test)
    // When Stripe delivers that event again
    const answer = await deliver(oldEvent);
    await processed(oldEvent.id);

    // Then it is stored again, in the default partition, as no record of it is left...
    expect(answer).toEqual({ received: true, duplicate: false });
    expect(await partitionsHolding(oldEvent.id)).toEqual(['payments.stripe_events_default']);
    // ...and the payment state, which retention does not touch, makes it change nothing
    expect((await publishedFor(oldOrder)).map((e) => e.type)).toEqual(['payment.succeeded']);
  });
});
