import { LoadDriver, type ServiceProcess, waitFor } from '@switchyard/testing';
import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { FaultStack, type ServiceName, STRIPE_WEBHOOK_SECRET } from './fault-stack';
import { type LedgerReport, settleLedger } from './ledger';

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
    await stack.subscribe('Globex everything', ['*']);
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

  async function killAndRestart(instance: ServiceProcess): Promise<void> {
    const ended = await instance.kill('SIGKILL');
    expect(ended.signal).toBe('SIGKILL');
    const killedAt = Date.now();
    await waitFor('2 s to pass before the restart', () => Date.now() - killedAt >= 2000);
    await instance.start();
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

      // When the process whose outbox relay leads is killed without warning, and restarted 2 s later
      const leader = await waitFor(`a ${service} relay leader`, () => stack.relayLeader(service));
      await killAndRestart(leader);

      // Then every acknowledged request had its effect once, and every partner got every message
      const report = await recoverAndSettle(driver, `SIGKILL ${service}`);
      // And the stall the crash caused stays within the recovery limits: a killed consumer's
      // partitions resume within 10 s, a killed delivery worker's deliveries within 20 s
      expect(report.paidLatencyMs.max).toBeLessThan(service === 'notifications' ? 20_000 : 10_000);
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
      const waiting = await stack.query(async (db) => {
        const { rows } = await db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM orders.outbox WHERE published_at IS NULL',
        );
        return rows[0]?.n ?? 0;
      });
      expect(waiting).toBeGreaterThan(50);

      // When the broker is back
      await stack.kafka.start();

      // Then nothing was lost or applied twice, and every instance is ready again without a restart
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
        const dead = await waitFor('the malformed messages in the DLQs', () => {
          const found = stack.deadLetters.messages.slice(dlqBefore).filter((m) => m.key === marker);
          return found.length >= expected ? found : undefined;
        });
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

  it('has nothing in any dead-letter topic but the malformed messages', async () => {
    const unexpected = stack.deadLetters.messages.filter((m) => !m.key?.startsWith('malformed-'));
    expect(
      unexpected.map(
        (m) => `${m.topic} ${m.headers['x-error-code']} ${m.headers['x-error-message']}`,
      ),
    ).toEqual([]);
  });
});
