import { LoadDriver, type ServiceProcess, waitFor } from '@switchyard/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { FaultStack, type ServiceName, STRIPE_WEBHOOK_SECRET } from './fault-stack';
import { type LedgerReport, settleLedger } from './ledger';
import { leasedBy, ordersResumeMs, retriedAfterMs } from './recovery';

const RATE_PER_SECOND = 8;
const MINUTE = 60_000;

/**
 * The promise, tested the way users break it: every acknowledged order and Stripe event has its
 * effect once, and every subscribed partner receives every message at least once, under load,
 * through crashes, a broker outage, a database restart and a partner outage, with two processes
 * of every service on one database and one Kafka cluster.
 */
describe('faults under load (two processes of each service, private Kafka and Postgres)', () => {
  let stack: FaultStack;

  beforeAll(async () => {
    stack = await FaultStack.start(2);
    await stack.subscribe('Acme orders', ['order.*']);
    await stack.subscribe('Acme payments', ['payment.succeeded', 'order.paid']);
    const everything = await stack.subscribe('Globex everything', ['*']);
    // A first checkout all the way to a partner: every consumer group has settled its members
    const first = await load().checkoutOnce();
    await waitFor(
      'the first order.paid at a partner',
      () =>
        everything.sink.received.some((r) => {
          const payload = (r.verified as { payload?: { type?: string; subject?: string } }).payload;
          return payload?.type === 'order.paid' && payload.subject === first?.orderId;
        }),
      { timeoutMs: 60_000 },
    );
  }, 5 * MINUTE);

  afterAll(async () => {
    await stack?.stop();
  }, 2 * MINUTE);

  function load(): LoadDriver {
    return new LoadDriver(
      {
        orders: stack.urls('orders'),
        payments: stack.urls('payments'),
        stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
      },
      RATE_PER_SECOND,
    );
  }

  /** Lets load run until `condition` holds (checked every 250 ms), within `timeoutMs`. */
  function whileLoaded(
    what: string,
    condition: () => boolean | Promise<boolean>,
    timeoutMs = 30_000,
  ) {
    return waitFor(what, condition, { timeoutMs, intervalMs: 250 });
  }

  /** Events committed to the orders and payments outboxes and not yet published to Kafka. */
  function unpublished(): Promise<number> {
    return stack.query(async (db) => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM orders.outbox WHERE published_at IS NULL)
              + (SELECT count(*) FROM payments.outbox WHERE published_at IS NULL) AS n`,
      );
      return Number(rows[0]?.n ?? 0);
    });
  }

  /** Starts steady load and waits until it is flowing: 10 checkouts paid. */
  async function steadyLoad(): Promise<LoadDriver> {
    const driver = load();
    driver.start();
    await whileLoaded('10 paid checkouts', () => driver.stripeEvents.length >= 10);
    return driver;
  }

  /**
   * After a fault: waits for 10 more checkouts to be paid (the system flows again), stops the
   * load, and settles the ledger; nothing the clients sent may have gone unacknowledged.
   */
  async function recoverAndSettle(
    driver: LoadDriver,
    scenario: string,
    timeoutMs = 2 * MINUTE,
  ): Promise<LedgerReport> {
    const before = driver.stripeEvents.length;
    await whileLoaded(
      '10 more paid checkouts',
      () => driver.stripeEvents.length >= before + 10,
      60_000,
    );
    await driver.stop();
    const report = await settleLedger(stack, driver, scenario, timeoutMs);
    expect(driver.abandoned).toEqual([]);
    return report;
  }

  async function expectOneRelayLeader(service: ServiceName): Promise<void> {
    await waitFor(`exactly one ${service} relay leader`, async () => {
      const flags = await Promise.all(
        stack.services[service].map((i) => stack.metric(i, 'switchyard_outbox_relay_leader')),
      );
      return flags.filter((f) => f === 1).length === 1;
    });
  }

  /**
   * SIGKILL, then a restart 2 s later; `whileDead` runs between the two. Resolves with the
   * moment of the kill.
   */
  async function killAndRestart(
    instance: ServiceProcess,
    whileDead: () => Promise<void> = async () => undefined,
  ): Promise<number> {
    const killedAt = Date.now();
    const ended = await instance.kill('SIGKILL');
    expect(ended.signal).toBe('SIGKILL');
    await whileDead();
    await waitFor('2 s to pass before the restart', () => Date.now() - killedAt >= 2000);
    await instance.start();
    return killedAt;
  }

  it(
    'keeps every promise with two instances of each service and no fault, sending each message once',
    async () => {
      // Given steady load
      const driver = load();
      driver.start();
      await whileLoaded('40 paid checkouts', () => driver.stripeEvents.length >= 40);
      await driver.stop();

      // Then the ledger balances with no repeat at all, and both notifications instances sent
      const report = await settleLedger(stack, driver, 'no fault');
      expect(report.repeats).toBe(0);
      expect(driver.refusals).toEqual([]);
      for (const instance of stack.services.notifications) {
        expect(
          await stack.metric(instance, 'switchyard_webhook_attempts_total{verdict="success"}'),
        ).toBeGreaterThan(0);
      }
    },
    3 * MINUTE,
  );

  it.each(['orders', 'payments', 'notifications'] as const)(
    'loses nothing when a %s process is killed (SIGKILL) under load and restarted 2 s later',
    async (service) => {
      // Given steady load
      const driver = await steadyLoad();

      // When the process whose outbox relay leads is killed without warning, and restarted 2 s
      // later (for notifications, while partners answer slowly, so it dies with requests in flight)
      const leader = await waitFor(`a ${service} relay leader`, () => stack.relayLeader(service));
      const slowPartners = service === 'notifications';
      const pid = leader.pid as number;
      if (slowPartners) {
        for (const s of stack.subscriptions) s.sink.answerAfter(2000);
        await waitFor('deliveries in flight at the instance', async () =>
          (await leasedBy(stack, pid)).length > 0 ? true : undefined,
        );
      }
      // (what the instance still held when it died: its leases outlive it)
      let inFlight: string[] = [];
      const killedAt = await killAndRestart(leader, async () => {
        if (slowPartners) inFlight = await leasedBy(stack, pid);
      });
      if (slowPartners) for (const s of stack.subscriptions) s.sink.answerAfter(0);

      // Then every acknowledged request had its effect once, and every partner got every message
      const report = await recoverAndSettle(driver, `SIGKILL ${service}`);
      // And the recovery limits hold: a killed consumer's partitions resume within 10 s, a killed
      // delivery worker's deliveries are sent again within 20 s
      if (service === 'orders') {
        const resumed = await ordersResumeMs(
          stack,
          driver.orders.map((o) => o.orderId),
          killedAt,
        );
        console.log(
          `[fault suite] SIGKILL orders: partitions resumed after ${resumed.join(', ')} ms`,
        );
        expect(Math.max(...resumed)).toBeLessThan(10_000);
      }
      if (service === 'payments') {
        const stages = report.stageLatencyMs;
        expect(Math.max(stages.payments.max, stages.orders.max)).toBeLessThan(10_000);
      }
      if (service === 'notifications') {
        expect(inFlight.length).toBeGreaterThan(0);
        const retried = await waitFor(
          'the deliveries the killed instance held to be sent again',
          async () => {
            const after = await retriedAfterMs(stack, inFlight, killedAt);
            return after.every(Number.isFinite) ? after : undefined;
          },
          { timeoutMs: 60_000, intervalMs: 250 },
        );
        console.log(
          `[fault suite] SIGKILL notifications: ${inFlight.length} deliveries in flight, sent again after ${retried.join(', ')} ms`,
        );
        expect(Math.max(...retried)).toBeLessThan(20_000);
      }
      // And exactly one relay leads again
      await expectOneRelayLeader(service);
    },
    4 * MINUTE,
  );

  it(
    'rides out a 30 s Kafka outage: services stay up and not ready, events wait in the outbox and flow after',
    async () => {
      // Given steady load
      const driver = await steadyLoad();

      // When the broker is stopped for 30 s
      await stack.kafka.stop();
      const stoppedAt = Date.now();
      const ordersAtStop = driver.orders.length;

      // Then every instance stays live and reports itself not ready, naming Kafka
      await whileLoaded('every instance to report Kafka down', async () => {
        const answers = await Promise.all(
          stack.all().map(async (i) => {
            const res = await fetch(`${i.url}/health/ready`);
            const body = (await res.json()) as { error?: { kafka?: { status?: string } } };
            return res.status === 503 && body.error?.kafka?.status === 'down';
          }),
        );
        return answers.every(Boolean);
      });
      for (const instance of stack.all()) expect(await stack.health(instance, 'live')).toBe(200);
      // And orders keep being taken, their events waiting in the outbox
      await whileLoaded('30 s of outage', () => Date.now() - stoppedAt >= 30_000, 45_000);
      expect(driver.orders.length).toBeGreaterThan(ordersAtStop + 50);
      expect(await unpublished()).toBeGreaterThan(50);

      // When the broker is back
      const restarting = Date.now();
      await stack.kafka.start();
      const backAt = Date.now();

      // Then the outboxes drain, nothing was lost or applied twice, and every instance is ready
      // again without a restart of its own
      await waitFor('the outboxes to drain', () => unpublished().then((n) => n === 0), {
        timeoutMs: 2 * MINUTE,
        intervalMs: 250,
      });
      console.log(
        `[fault suite] Kafka took ${Date.now() - restarting} ms to start; the outboxes drained ${Date.now() - backAt} ms after it served`,
      );
      await recoverAndSettle(driver, 'Kafka stopped for 30 s', 3 * MINUTE);
      await stack.allReady();
    },
    6 * MINUTE,
  );

  it(
    'rides out a Postgres restart: 503 database_unavailable meanwhile, never a 500, and services reconnect by themselves',
    async () => {
      // Given steady load, and the process ids of every instance
      const pids = stack.all().map((i) => i.pid);
      const driver = await steadyLoad();

      // When Postgres stops for longer than the consumers' whole retry schedule (about 4 s)
      await stack.postgres.stop('fast');
      const stoppedAt = Date.now();
      await whileLoaded('a request refused as database_unavailable', () =>
        driver.refusals.some((r) => r.status === 503 && r.code === 'database_unavailable'),
      );
      // and metrics read from Postgres go absent rather than read a healthy-looking zero
      const during = await stack.metrics(stack.all()[0] as ServiceProcess);
      expect(during.has('switchyard_outbox_backlog_events')).toBe(false);
      expect(during.families.get('switchyard_outbox_backlog_events')).toBe('gauge');
      await whileLoaded('8 s of outage', () => Date.now() - stoppedAt >= 8000);
      await stack.postgres.start();

      // Then every acknowledged request had its effect once and every partner got every message
      await recoverAndSettle(driver, 'Postgres restarted');
      // And the outage was answered 503 database_unavailable (or not at all), never 500
      for (const refusal of driver.refusals) {
        expect([`503 database_unavailable`, `0 ${refusal.code}`]).toContain(
          `${refusal.status} ${refusal.code}`,
        );
      }
      // And no order was half-written: each one has its order.created event
      const orphans = await stack.query(async (db) => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM orders.orders o WHERE NOT EXISTS (
           SELECT 1 FROM orders.outbox x WHERE x.message_key = o.id::text
             AND x.payload::jsonb->>'type' = 'order.created')`,
        );
        return rows[0]?.n ?? -1;
      });
      expect(orphans).toBe(0);
      // And the same processes serve again: they reconnected without a restart of their own
      expect(stack.all().map((i) => i.pid)).toEqual(pids);
      await stack.allReady();
    },
    5 * MINUTE,
  );

  it(
    'delivers everything to a partner that was down for a while, once it is back',
    async () => {
      // Given steady load, and a partner endpoint that starts failing every request
      const partner = stack.subscriptions[2];
      if (!partner) throw new Error('the suite subscribes three partners');
      const driver = await steadyLoad();
      partner.sink.failEverything(503);
      const failingFrom = Date.now();

      // When it is down for 8 s, then back
      await whileLoaded('8 s of partner outage', () => Date.now() - failingFrom >= 8000);
      partner.sink.recover();

      // Then it had been sent requests while down, and received every message once it was back
      await recoverAndSettle(driver, 'partner down for 8 s');
      expect(partner.sink.received.some((r) => r.answered === 503)).toBe(true);
    },
    4 * MINUTE,
  );

  it(
    'dead-letters a malformed message on every partition of each topic, naming where it came from, and keeps each partition flowing',
    async () => {
      // Given a raw producer on the cluster
      const kafka = new Kafka({
        clientId: 'fault-suite',
        brokers: [stack.kafka.brokers],
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer();
      await producer.connect();
      const marker = `malformed-${randomUUID()}`;
      const topics = ['orders.events.v1', 'payments.events.v1'];
      const dlqBefore = stack.deadLetters.messages.length;
      try {
        // When a message that is not an event lands on every partition of both topics
        for (const topic of topics) {
          await producer.send({
            topic,
            messages: [0, 1, 2].map((partition) => ({
              partition,
              key: marker,
              value: '{"not":"an event"}',
            })),
          });
        }

        // Then every consumer group of the topic sends each of them to <topic>.dlq, with its origin
        const consumers: Record<string, string[]> = {
          'orders.events.v1': ['notifications.partner-fanout'],
          'payments.events.v1': ['orders.payment-events', 'notifications.partner-fanout'],
        };
        const expected = topics.reduce((n, t) => n + 3 * (consumers[t]?.length ?? 0), 0);
        // A minute, not the default 20 s: on a machine busy with other work (an apt-get install
        // beside the suite), they once took longer than 20 s to arrive.
        const dead = await waitFor(
          'the malformed messages in the DLQs',
          () => {
            const found = stack.deadLetters.messages
              .slice(dlqBefore)
              .filter((m) => m.key === marker);
            return found.length >= expected ? found : undefined;
          },
          { timeoutMs: MINUTE },
        );
        expect(dead).toHaveLength(expected);
        for (const topic of topics) {
          for (const group of consumers[topic] ?? []) {
            const fromGroup = dead.filter(
              (m) =>
                m.headers['x-original-topic'] === topic && m.headers['x-consumer-group'] === group,
            );
            expect(fromGroup.map((m) => m.headers['x-original-partition']).sort()).toEqual([
              '0',
              '1',
              '2',
            ]);
            for (const m of fromGroup) {
              expect(m.topic).toBe(`${topic}.dlq`);
              expect(m.value).toBe('{"not":"an event"}');
              expect(m.headers['x-error-code']).toBe('invalid_envelope');
              expect(m.headers['x-original-offset']).toMatch(/^\d+$/);
            }
          }
        }

        // And every partition keeps flowing: new checkouts complete, on every partition
        const driver = load();
        driver.start();
        await whileLoaded('20 paid checkouts', () => driver.stripeEvents.length >= 20);
        await driver.stop();
        await settleLedger(stack, driver, 'malformed messages');
      } finally {
        await producer.disconnect();
      }
    },
    3 * MINUTE,
  );

  function postJson(url: string, body: unknown): Promise<Response> {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** Places `count` orders (through the load driver's path) and returns their ids. */
  async function placeOrders(count: number): Promise<string[]> {
    const driver = load();
    driver.start();
    await whileLoaded(`${count} orders`, () => driver.orders.length >= count);
    await driver.stop();
    return driver.orders.map((o) => o.orderId);
  }

  /** The instances (`deliveries.locked_by` of the attempts) that sent to an endpoint. */
  async function sendersTo(endpointId: string): Promise<string[]> {
    return stack.query(async (db) => {
      const { rows } = await db.query<{ sent_by: string }>(
        `SELECT DISTINCT a.sent_by FROM notifications.attempts a
         JOIN notifications.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
         WHERE d.endpoint_id = $1`,
        [endpointId],
      );
      return rows.map((r) => r.sent_by);
    });
  }

  /** `order.created` payload subjects a sink answered with success, in the order they arrived. */
  function deliveredOrders(sink: { received: { answered: number; verified: unknown }[] }) {
    return sink.received
      .filter((r) => r.answered >= 200 && r.answered < 300)
      .map((r) => (r.verified as { payload?: { subject?: string } }).payload?.subject ?? '');
  }

  it(
    'holds an endpoint to its rate limit with both notifications processes sending',
    async () => {
      // Given an endpoint limited to 5 requests a second
      const limited = await stack.subscribe(
        'Initech (5/s)',
        ['order.created'],
        { rateLimitPerSecond: 5 },
        { ledger: false },
      );

      // When 20 orders are placed faster than that
      const orderIds = await placeOrders(20);
      await waitFor(
        'every order.created delivered',
        () => orderIds.every((id) => deliveredOrders(limited.sink).includes(id)),
        { timeoutMs: 60_000 },
      );
      await stack.disable(limited);

      // Then no second saw more than 5 requests (6 where a window's two edges both hold one)
      const arrivals = limited.sink.received.map((r) => r.receivedAt);
      const busiest = Math.max(
        ...arrivals.map((t0) => arrivals.filter((t) => t >= t0 && t < t0 + 1000).length),
      );
      expect(busiest).toBeLessThanOrEqual(6);
      // And both processes sent to it (the attempts are recorded after the sink has answered)
      const senders = await waitFor('both processes recorded as senders', async () => {
        const found = await sendersTo(limited.endpointId);
        return found.length >= 2 ? found : undefined;
      });
      expect(senders).toHaveLength(2);
    },
    3 * MINUTE,
  );

  it(
    'delivers a FIFO endpoint one at a time, in event order, across both processes, the failing head blocking the rest',
    async () => {
      // Given a slow FIFO endpoint whose first two answers are failures
      const fifo = await stack.subscribe(
        'Umbrella (FIFO)',
        ['order.created'],
        { fifo: true },
        { ledger: false },
      );
      fifo.sink.answerAfter(50);
      fifo.sink.failNext(2);

      // When 12 orders are placed
      const orderIds = await placeOrders(12);
      await waitFor(
        'every order.created delivered',
        () => orderIds.every((id) => deliveredOrders(fifo.sink).includes(id)),
        { timeoutMs: 60_000 },
      );
      await stack.disable(fifo);

      // Then the head was retried until it succeeded before anything else went out
      const received = fifo.sink.received;
      const subject = (r: (typeof received)[number]) =>
        (r.verified as { payload?: { subject?: string } }).payload?.subject;
      expect(received.slice(0, 3).map(subject)).toEqual([
        subject(received[0] as never),
        subject(received[0] as never),
        subject(received[0] as never),
      ]);
      // And each request started only after the one before was answered
      for (let i = 1; i < received.length; i++) {
        expect(received[i]?.receivedAt).toBeGreaterThanOrEqual(
          received[i - 1]?.answeredAt ?? Infinity,
        );
      }
      // And the successes came in the order the events were created
      const created = await stack.query(async (db) => {
        const { rows } = await db.query<{ subject: string }>(
          `SELECT m.subject FROM notifications.deliveries d
         JOIN notifications.messages m ON m.id = d.message_id AND m.event_id = d.event_id
         WHERE d.endpoint_id = $1 ORDER BY d.created_at, d.id`,
          [fifo.endpointId],
        );
        return rows.map((r) => r.subject);
      });
      expect(deliveredOrders(fifo.sink)).toEqual(created);
    },
    3 * MINUTE,
  );

  it(
    'probes a failing endpoint once per cool-down with both processes contending, and closes on success',
    async () => {
      // Given an endpoint that fails every request (circuit opens after 5 failures, 1 s cool-down)
      const failing = await stack.subscribe(
        'Hooli (down)',
        ['order.created'],
        {},
        { ledger: false },
      );
      failing.sink.failEverything(503);

      // When orders keep coming, until its circuit has been open for a while
      const orderIds = await placeOrders(10);
      const openedAt = await waitFor('the circuit to open', () =>
        stack.query(async (db) => {
          const { rows } = await db.query<{ open: boolean }>(
            'SELECT circuit_open_until IS NOT NULL AS open FROM notifications.endpoints WHERE id = $1',
            [failing.endpointId],
          );
          return rows[0]?.open ? Date.now() : undefined;
        }),
      );
      await waitFor('6 s of open circuit', () => Date.now() - openedAt >= 6000, {
        timeoutMs: 10_000,
      });

      // Then, once the requests in flight at the opening are answered, one probe at a time goes out
      const probes = failing.sink.received
        .map((r) => r.receivedAt)
        .filter((t) => t > openedAt + 1500);
      expect(probes.length).toBeGreaterThanOrEqual(2);
      for (let i = 1; i < probes.length; i++) {
        expect((probes[i] as number) - (probes[i - 1] as number)).toBeGreaterThanOrEqual(900);
      }

      // And when the endpoint recovers, the next probe closes the circuit and everything goes out
      failing.sink.recover();
      await waitFor(
        'every order.created delivered',
        () => orderIds.every((id) => deliveredOrders(failing.sink).includes(id)),
        { timeoutMs: 90_000 },
      );
      await stack.disable(failing);
    },
    3 * MINUTE,
  );

  it(
    'on SIGTERM, cuts a delivery still in flight after the grace period, records it as interrupted, and leaves it to the other process at once',
    async () => {
      // Given an endpoint that never answers, and one order.cancelled on its way to it
      const hanging = await stack.subscribe(
        'Stark (hangs)',
        ['order.cancelled'],
        {},
        { ledger: false },
      );
      hanging.sink.hangEverything();
      const orders = stack.urls('orders')[0];
      const created = await postJson(`${orders}/orders`, {
        customerId: 'cus_stop',
        currency: 'usd',
        lines: [{ sku: 'mug', quantity: 1, unitPrice: 100 }],
      });
      const { id: orderId } = (await created.json()) as { id: string };
      const cancelled = await postJson(`${orders}/orders/${orderId}/cancel`, {
        reason: 'fault suite',
      });
      expect(`${cancelled.status} ${await cancelled.text()}`).toMatch(/^200 /);
      const lockedBy = await waitFor('the delivery to be in flight', async () => {
        if (hanging.sink.received.length === 0) return undefined;
        return stack.query(async (db) => {
          const { rows } = await db.query<{ locked_by: string | null }>(
            'SELECT locked_by FROM notifications.deliveries WHERE endpoint_id = $1',
            [hanging.endpointId],
          );
          return rows[0]?.locked_by ?? undefined;
        });
      });
      const pid = Number(lockedBy.split(':')[1]);
      const sender = stack.services.notifications.find((i) => i.pid === pid);
      if (!sender) throw new Error(`no notifications instance has pid ${pid} (${lockedBy})`);

      // When that process is asked to stop
      const ended = await sender.kill('SIGTERM');

      // Then it stops within its 5 s grace period plus the shutdown, by itself
      expect(ended.code === 0 || ended.signal === 'SIGTERM').toBe(true);
      expect(ended.tookMs).toBeLessThan(15_000);
      // And the cut attempt is on record as interrupted, by that process
      const attempts = await stack.query(async (db) => {
        const { rows } = await db.query<{ error: string; sent_by: string }>(
          `SELECT a.error, a.sent_by FROM notifications.attempts a
         JOIN notifications.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
         WHERE d.endpoint_id = $1 ORDER BY a.id`,
          [hanging.endpointId],
        );
        return rows;
      });
      expect(attempts[0]).toEqual({
        error: expect.stringMatching(/^interrupted: /),
        sent_by: lockedBy,
      });
      // And nothing is left claimed by it: the other process sends the delivery again at once
      await waitFor('the other process to send it again', () => hanging.sink.received.length >= 2, {
        timeoutMs: 5000,
      });
      const [first, again] = hanging.sink.received;
      expect(again?.headers['webhook-id']).toBe(first?.headers['webhook-id']);
      const stillClaimed = await stack.query(async (db) => {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM notifications.deliveries WHERE locked_by = $1',
          [lockedBy],
        );
        return rows[0]?.n;
      });
      expect(stillClaimed).toBe(0);
      // And the stop logged no error
      expect(sender.logs).not.toMatch(/TypeError|is not a function/);
      expect(sender.logs).toMatch(/cutting the requests still in flight/);

      hanging.sink.recover();
      await stack.disable(hanging);
      await sender.start();
    },
    3 * MINUTE,
  );

  it.each(['orders', 'payments', 'notifications'] as const)(
    'on SIGTERM under load, a %s process finishes its work, hands it over at once, exits and loses nothing',
    async (service) => {
      // Given steady load
      const driver = await steadyLoad();

      // When one of its processes is stopped gracefully, and started again
      const instance = stack.services[service][1] as ServiceProcess;
      const ended = await instance.kill('SIGTERM');
      expect(ended.code === 0 || ended.signal === 'SIGTERM').toBe(true);
      expect(ended.tookMs).toBeLessThan(15_000);
      await instance.start();

      // Then nothing was lost, and the handover did not wait for the session timeout (6 s) or
      // a lease (10 s)
      const report = await recoverAndSettle(driver, `SIGTERM ${service}`);
      const stage = report.stageLatencyMs;
      const hit =
        service === 'payments'
          ? Math.max(stage.payments.max, stage.orders.max)
          : stage[service].max;
      expect(hit).toBeLessThan(6000);
      expect(instance.logs).not.toMatch(/TypeError|is not a function/);
      // And a request that reached it while it stopped was refused in our shape, or not at all
      for (const refusal of driver.refusals) {
        expect(['503 shutting_down', `0 ${refusal.code}`]).toContain(
          `${refusal.status} ${refusal.code}`,
        );
      }
    },
    3 * MINUTE,
  );

  it('has nothing in any dead-letter topic but the malformed messages', async () => {
    const unexpected = stack.deadLetters.messages.filter((m) => !m.key?.startsWith('malformed-'));
    expect(
      unexpected.map(
        (m) => `${m.topic} ${m.headers['x-error-code']} ${m.headers['x-error-message']}`,
      ),
    ).toEqual([]);
  });
});
