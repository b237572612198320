import { createEvent, type DomainEvent, type EventData, Topics } from '@switchyard/contracts';
import { beforeCommit, type EventPublisher, InboxRow } from '@switchyard/messaging';
import { createTestPublisher, type InProcessService } from '@switchyard/service-testing';
import { waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { startOrdersApp } from '../../testing/orders-app.test-helper';
import { ApplyPaymentEventUseCase } from './apply-payment-event.usecase';
import { OrderRepository } from './order.repository';

interface OrderView {
  id: string;
  status: string;
  version: number;
  amountRefunded: number;
}

describe('orders reacting to payment events (real Kafka and Postgres)', () => {
  let t: InProcessService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    t = await startOrdersApp('orders_payments');
    publisher = await createTestPublisher(t.kafkaPrefix, [Topics.paymentsEvents]);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await t?.close();
  });

  async function placeOrder(): Promise<OrderView> {
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        customerId: 'cus_pay',
        currency: 'usd',
        lines: [{ sku: 'desk', quantity: 1, unitPrice: 5000 }],
      }),
    });
    return (await res.json()) as OrderView;
  }

  const ref = (orderId: string) => ({
    orderId,
    provider: 'stripe' as const,
    providerEventId: `evt_${randomUUID()}`,
    paymentIntentId: 'pi_orders',
  });

  function payment<T extends 'payment.succeeded' | 'payment.failed' | 'payment.refunded'>(
    type: T,
    orderId: string,
    data: Omit<EventData<T>, 'orderId' | 'provider' | 'providerEventId' | 'paymentIntentId'>,
  ): DomainEvent<T> {
    return createEvent(type, orderId, { ...ref(orderId), ...data } as EventData<T>);
  }

  async function publish(...events: DomainEvent[]): Promise<void> {
    await publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.paymentsEvents}`,
        messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })),
      },
    ]);
  }

  async function orderOnceIn(orderId: string, status: string): Promise<OrderView> {
    return waitFor(`order ${orderId} to be ${status}`, async () => {
      const order = (await (await fetch(`${t.url}/orders/${orderId}`)).json()) as OrderView;
      return order.status === status ? order : undefined;
    });
  }

  async function announced(orderId: string): Promise<string[]> {
    const rows: { type: string }[] = await t.dataSource.query(
      `SELECT payload::json->>'type' AS type FROM orders.outbox WHERE message_key = $1 ORDER BY position`,
      [orderId],
    );
    return rows.map((r) => r.type);
  }

  it('marks the order paid once when the same payment.succeeded arrives three times', async () => {
    const order = await placeOrder();
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });

    await publish(succeeded, succeeded, succeeded);

    expect((await orderOnceIn(order.id, 'paid')).version).toBe(2);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
  });

  it('fulfills a paid order and announces it', async () => {
    const order = await placeOrder();
    await publish(payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }));
    await orderOnceIn(order.id, 'paid');

    const res = await fetch(`${t.url}/orders/${order.id}/fulfill`, { method: 'POST' });

    expect(res.status).toBe(200);
    const fulfilled = (await res.json()) as OrderView & { updatedAt: string };
    expect(fulfilled.status).toBe('fulfilled');
    // The answer's updatedAt is the one the transition wrote at commit.
    const [{ updatedAt }] = await t.dataSource.query(
      `SELECT to_json(updated_at)#>>'{}' AS "updatedAt" FROM orders.orders WHERE id = $1`,
      [order.id],
    );
    expect(new Date(fulfilled.updatedAt).getTime()).toBe(new Date(updatedAt).getTime());
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid', 'order.fulfilled']);
  });

  it('lets a failed payment be retried: payment_failed, then paid', async () => {
    const order = await placeOrder();

    await publish(
      payment('payment.failed', order.id, {
        failureCode: 'card_declined',
        failureMessage: 'Your card was declined.',
      }),
    );
    await orderOnceIn(order.id, 'payment_failed');
    await publish(payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }));

    await orderOnceIn(order.id, 'paid');
    expect(await announced(order.id)).toEqual([
      'order.created',
      'order.payment_failed',
      'order.paid',
    ]);
  });

  it('follows refunds: partially refunded, then refunded, and ignores a stale smaller refund', async () => {
    const order = await placeOrder();
    await publish(payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }));
    await orderOnceIn(order.id, 'paid');

    await publish(
      payment('payment.refunded', order.id, {
        chargeId: 'ch_1',
        amountRefunded: 2000,
        currency: 'usd',
        fullyRefunded: false,
      }),
    );
    expect((await orderOnceIn(order.id, 'partially_refunded')).amountRefunded).toBe(2000);
    await publish(
      payment('payment.refunded', order.id, {
        chargeId: 'ch_1',
        amountRefunded: 5000,
        currency: 'usd',
        fullyRefunded: true,
      }),
      payment('payment.refunded', order.id, {
        chargeId: 'ch_1',
        amountRefunded: 2000,
        currency: 'usd',
        fullyRefunded: false,
      }),
    );

    expect((await orderOnceIn(order.id, 'refunded')).amountRefunded).toBe(5000);
    expect(await announced(order.id)).toEqual([
      'order.created',
      'order.paid',
      'order.refunded',
      'order.refunded',
    ]);
  });

  it("applies a batch's payment events in order, an order's second event seeing its first, and writes the batch's transitions in one statement at commit", async () => {
    // Given two placed orders
    const first = await placeOrder();
    const second = await placeOrder();
    const apply = t.app.get(ApplyPaymentEventUseCase);

    // When one transaction applies, as a consumed batch does: the first order paid, the second
    // paid, then the first partially refunded
    let writers: unknown[] = [];
    await t.dataSource.transaction(async (manager) => {
      await apply.execute(
        manager,
        payment('payment.succeeded', first.id, { amount: 5000, currency: 'usd' }),
      );
      await apply.execute(
        manager,
        payment('payment.succeeded', second.id, { amount: 5000, currency: 'usd' }),
      );
      await apply.execute(
        manager,
        payment('payment.refunded', first.id, {
          chargeId: 'ch_batch',
          amountRefunded: 1500,
          currency: 'usd',
          fullyRefunded: false,
        }),
      );
      // Registered after the transitions' write, so it runs after it, still in the transaction.
      beforeCommit(manager, async () => {
        writers = await manager.query(
          `SELECT DISTINCT xmin::text AS xid, cmin::text AS command FROM orders.orders WHERE id = ANY($1::uuid[])
           UNION SELECT DISTINCT xmin::text, cmin::text FROM orders.outbox
             WHERE message_key = ANY($2::text[]) AND payload::json->>'type' <> 'order.created'`,
          [
            [first.id, second.id],
            [first.id, second.id],
          ],
        );
      });
    });

    // Then the first order went paid, then partially refunded; the second is paid; their events
    // are in the outbox in the order they happened; one statement of the transaction wrote them
    const [firstNow, secondNow] = await Promise.all([
      orderOnceIn(first.id, 'partially_refunded'),
      orderOnceIn(second.id, 'paid'),
    ]);
    expect([firstNow.version, firstNow.amountRefunded, secondNow.version]).toEqual([3, 1500, 2]);
    expect(await announced(first.id)).toEqual(['order.created', 'order.paid', 'order.refunded']);
    expect(await announced(second.id)).toEqual(['order.created', 'order.paid']);
    expect(writers).toHaveLength(1);
  });

  it("locks every order of a batch's payment events when it applies the first", async () => {
    // Given two placed orders and a batch paying both
    const first = await placeOrder();
    const second = await placeOrder();
    const apply = t.app.get(ApplyPaymentEventUseCase);
    const batch = [
      payment('payment.succeeded', first.id, { amount: 5000, currency: 'usd' }),
      payment('payment.succeeded', second.id, { amount: 5000, currency: 'usd' }),
    ];
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    try {
      await t.dataSource.transaction(async (manager) => {
        // When the transaction has applied the first event only
        await apply.execute(manager, batch[0] as DomainEvent, batch);

        // Then the second order is locked already: another transaction cannot take it
        await expect(
          other.query('SELECT id FROM orders.orders WHERE id = $1 FOR UPDATE NOWAIT', [second.id]),
        ).rejects.toMatchObject({ driverError: expect.objectContaining({ code: '55P03' }) });
        await apply.execute(manager, batch[1] as DomainEvent, batch);
      });
    } finally {
      await other.release();
    }

    // And both orders are paid
    await orderOnceIn(first.id, 'paid');
    await orderOnceIn(second.id, 'paid');
  });

  /** The inbox row of `event` for a consumer taking it alone, outside any transaction. */
  const aloneRow = (event: DomainEvent) =>
    new InboxRow(t.dataSource, 'orders', 'orders-alone-test', event);

  /** A declined card for the order, applied in its own inbox-like transaction. */
  const failPayment = (orderId: string) =>
    t.dataSource.transaction((manager) =>
      t.app.get(ApplyPaymentEventUseCase).execute(
        manager,
        payment('payment.failed', orderId, {
          failureCode: 'card_declined',
          failureMessage: null,
        }),
      ),
    );

  /** How many inbox rows, of any consumer, the event has. */
  const inboxRowsOf = async (eventId: string): Promise<number> =>
    (await t.dataSource.query('SELECT 1 FROM orders.inbox WHERE event_id = $1', [eventId])).length;

  /**
   * Makes another writer change the order right after each of the consumer's first `times` reads
   * of it, as a concurrent writer would between its read and its write; answers how many reads
   * there were and how to stop.
   */
  function writeAfterReads(times: number, write: () => Promise<unknown>) {
    const orders = t.app.get(OrderRepository);
    const read = orders.read.bind(orders);
    const seen = { reads: 0 };
    const spy = jest.spyOn(orders, 'read').mockImplementation(async (manager, id) => {
      const before = await read(manager, id);
      if (++seen.reads <= times) await write();
      return before;
    });
    return { seen, restore: () => spy.mockRestore() };
  }

  it('writes a payment event taken alone, its inbox row, the order and order.paid, in one statement', async () => {
    // Given a placed order
    const order = await placeOrder();
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });
    const row = aloneRow(succeeded);

    // When a consumer takes its payment event alone
    await t.app.get(ApplyPaymentEventUseCase).executeAlone(t.dataSource.manager, succeeded, row);

    // Then the order is paid and announced, the event counts as applied, and the order, its
    // order.paid outbox row and the event's inbox row carry one transaction and command id. The
    // relay's mark of the outbox row as published writes a version of its own (its own xmin):
    // the row is compared only while it is unpublished, which it is until the relay marks it
    // 100 ms after sending it, unless the machine is slow to get here.
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(2);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
    const writers = await t.dataSource.query(
      `SELECT DISTINCT xmin::text AS xid, cmin::text AS command FROM orders.orders WHERE id = $1
       UNION SELECT xmin::text, cmin::text FROM orders.outbox
         WHERE message_key = $2 AND payload::json->>'type' = 'order.paid' AND published_at IS NULL
       UNION SELECT xmin::text, cmin::text FROM orders.inbox WHERE event_id = $3`,
      [order.id, order.id, succeeded.id],
    );
    expect(writers).toHaveLength(1);
  });

  it('changes nothing for a payment event taken alone a second time', async () => {
    // Given an order paid by an event taken alone
    const order = await placeOrder();
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });
    const apply = t.app.get(ApplyPaymentEventUseCase);
    await apply.executeAlone(t.dataSource.manager, succeeded, aloneRow(succeeded));

    // When the same event is taken alone again
    const again = aloneRow(succeeded);
    await apply.executeAlone(t.dataSource.manager, succeeded, again);

    // Then it is a duplicate: the order and its announcements are as they were
    expect(again.outcome).toBe('duplicate');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(2);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
  });

  it('writes nothing for a payment event taken alone when its order changed since it was read', async () => {
    // Given an order read at version 1, then failed (version 2) by another writer
    const order = await placeOrder();
    const orders = t.app.get(OrderRepository);
    const stale = await orders.read(t.dataSource.manager, order.id);
    await failPayment(order.id);
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });
    const row = aloneRow(succeeded);
    if (!stale) throw new Error('the placed order could not be read');
    stale.status = 'paid';
    stale.version = 2;

    // When a transition decided on the stale read is written
    const outcome = await orders.writeIfUnchanged(t.dataSource.manager, stale, 1, [succeeded], row);

    // Then nothing is written: no inbox row, the failure stays, nothing more is announced
    expect(outcome).toBe('changed');
    expect(await inboxRowsOf(succeeded.id)).toBe(0);
    expect((await orderOnceIn(order.id, 'payment_failed')).version).toBe(2);
    expect(await announced(order.id)).toEqual(['order.created', 'order.payment_failed']);
  });

  it('decides again on the order as it now is when it changed between the read and the write of an event taken alone', async () => {
    // Given an order this instance does not remember writing, which another writer fails right
    // after the consumer has read it
    const order = await placeOrder();
    t.app.get(OrderRepository).forget(order.id);
    const writer = writeAfterReads(1, () => failPayment(order.id));
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });
    const row = aloneRow(succeeded);

    // When the consumer takes the payment alone
    try {
      await t.app.get(ApplyPaymentEventUseCase).executeAlone(t.dataSource.manager, succeeded, row);
    } finally {
      writer.restore();
    }

    // Then the payment is applied to the failed order (paid at version 3), after the failure
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(3);
    expect(await announced(order.id)).toEqual([
      'order.created',
      'order.payment_failed',
      'order.paid',
    ]);
  });

  it("takes the order's lock when it changes between the read and the write three times in a row", async () => {
    // Given an order this instance does not remember writing, whose version another writer
    // moves on after each of the consumer's reads
    const order = await placeOrder();
    t.app.get(OrderRepository).forget(order.id);
    const writer = writeAfterReads(Infinity, () =>
      t.dataSource.query('UPDATE orders.orders SET version = version + 1 WHERE id = $1', [
        order.id,
      ]),
    );
    const succeeded = payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' });
    const row = aloneRow(succeeded);

    // When the consumer takes the payment alone
    try {
      await t.app.get(ApplyPaymentEventUseCase).executeAlone(t.dataSource.manager, succeeded, row);
    } finally {
      writer.restore();
    }

    // Then after three reads it applied the payment under the lock: paid once, at the version
    // after the other writer's three, and announced once
    expect(writer.seen.reads).toBe(3);
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(5);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
  });

  /** Takes `event` alone, as a consumer does: its inbox row, and how often the order was read. */
  async function takeAloneCountingReads(event: DomainEvent) {
    const orders = t.app.get(OrderRepository);
    const read = orders.read.bind(orders);
    let reads = 0;
    const spy = jest.spyOn(orders, 'read').mockImplementation((manager, id) => {
      reads++;
      return read(manager, id);
    });
    const row = aloneRow(event);
    try {
      await t.app.get(ApplyPaymentEventUseCase).executeAlone(t.dataSource.manager, event, row);
    } finally {
      spy.mockRestore();
    }
    return { row, reads };
  }

  it('decides a payment event taken alone on the order as this instance wrote it, without reading it', async () => {
    // Given an order this instance placed
    const order = await placeOrder();

    // When a consumer takes its payment event alone
    const { row, reads } = await takeAloneCountingReads(
      payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }),
    );

    // Then the order is paid and announced once, with no read of the order
    expect(reads).toBe(0);
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(2);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
  });

  it('decides again on the order as the database has it when another instance changed it since this one wrote it', async () => {
    // Given an order this instance placed, then failed by another instance (a write this one
    // does not see)
    const order = await placeOrder();
    await t.dataSource.query(
      `UPDATE orders.orders SET status = 'payment_failed', version = version + 1 WHERE id = $1`,
      [order.id],
    );

    // When a consumer takes its payment event alone
    const { row, reads } = await takeAloneCountingReads(
      payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }),
    );

    // Then the write on the remembered order changed nothing, and the payment was decided again
    // on the order read from the database: paid at version 3, announced once
    expect(reads).toBe(1);
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(3);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid']);
  });

  it('reads the order before deciding that a payment event taken alone changes nothing', async () => {
    // Given an order this instance paid, which an operator then put back to awaiting payment
    // (a write this instance does not see)
    const order = await placeOrder();
    await takeAloneCountingReads(
      payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }),
    );
    await t.dataSource.query(
      `UPDATE orders.orders SET status = 'pending_payment', version = version + 1 WHERE id = $1`,
      [order.id],
    );

    // When a second payment is taken alone, which the remembered (paid) order would ignore
    const { row, reads } = await takeAloneCountingReads(
      payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }),
    );

    // Then it was decided on the database's order: paid again, at version 4
    expect(reads).toBe(1);
    expect(row.outcome).toBe('applied');
    expect((await orderOnceIn(order.id, 'paid')).version).toBe(4);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid', 'order.paid']);
  });

  it('dead-letters a payment event taken alone that names an unknown order, and records nothing', async () => {
    // Given a payment for an order that does not exist
    const succeeded = payment('payment.succeeded', randomUUID(), { amount: 5000, currency: 'usd' });

    // When a consumer takes it alone
    const taking = t.app
      .get(ApplyPaymentEventUseCase)
      .executeAlone(t.dataSource.manager, succeeded, aloneRow(succeeded));

    // Then it is refused for a human, and no inbox row says it was taken
    await expect(taking).rejects.toMatchObject({ code: 'unknown_order' });
    expect(await inboxRowsOf(succeeded.id)).toBe(0);
  });

  it('applies the rest of a batch once each, in order, when one of its events cannot be applied', async () => {
    // Given a placed order and a cancelled one
    const order = await placeOrder();
    const cancelled = await placeOrder();
    expect((await fetch(`${t.url}/orders/${cancelled.id}/cancel`, { method: 'POST' })).status).toBe(
      200,
    );

    // When one fetch brings a payment for the order, a payment for the cancelled order (which
    // it cannot take: the batch fails and is taken again one event at a time) and a refund
    // for the order, all on one partition
    const events = [
      payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }),
      payment('payment.succeeded', cancelled.id, { amount: 5000, currency: 'usd' }),
      payment('payment.refunded', order.id, {
        chargeId: 'ch_mixed',
        amountRefunded: 1000,
        currency: 'usd',
        fullyRefunded: false,
      }),
    ];
    await publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.paymentsEvents}`,
        messages: events.map((e) => ({ key: order.id, value: JSON.stringify(e) })),
      },
    ]);

    // Then the order is paid, then partially refunded, each announced once; the cancelled order
    // took nothing, and its event left no inbox row (it was dead-lettered)
    const now = await orderOnceIn(order.id, 'partially_refunded');
    expect([now.version, now.amountRefunded]).toEqual([3, 1000]);
    expect(await announced(order.id)).toEqual(['order.created', 'order.paid', 'order.refunded']);
    expect(await announced(cancelled.id)).toEqual(['order.created', 'order.cancelled']);
    expect(await inboxRowsOf(events[1]?.id as string)).toBe(0);
  });

  it('ignores a failure reported after the order was paid', async () => {
    const order = await placeOrder();
    await publish(payment('payment.succeeded', order.id, { amount: 5000, currency: 'usd' }));
    await orderOnceIn(order.id, 'paid');

    const late = payment('payment.failed', order.id, { failureCode: 'late', failureMessage: null });
    await publish(late);
    await waitFor('the late failure to be consumed', async () => {
      const rows: unknown[] = await t.dataSource.query(
        'SELECT 1 FROM orders.inbox WHERE event_id = $1',
        [late.id],
      );
      return rows.length === 1;
    });

    const current = await orderOnceIn(order.id, 'paid');
    expect(current.version).toBe(2);
  });
});
