import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import {
  createTestDataSource,
  type TestDataSource,
  testKafkaBrokers,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../event-publisher';
import { handleOnce } from '../inbox/inbox';
import { createKafka, ensureTopics } from '../kafka-settings';
import { inboxTableDdl } from '../messaging-ddl';
import { EventConsumer } from './event-consumer';

describe('a consumer restarted mid-stream (real Kafka and Postgres)', () => {
  const prefix = uniqueKafkaPrefix('shutdown');
  const topic = `${prefix}${Topics.paymentsEvents}`;
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'shutdown-test',
    namePrefix: prefix,
  });
  const publisher = new EventPublisher(kafka);
  let db: TestDataSource;
  let deliveries = 0;

  beforeAll(async () => {
    db = await createTestDataSource('shutdown', 'svc', [
      ...inboxTableDdl('svc'),
      'CREATE TABLE svc.effects (event_id uuid PRIMARY KEY)',
    ]);
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic, `${topic}.dlq`]);
    await admin.disconnect();
  });

  afterAll(async () => {
    await publisher.disconnect();
    await db?.close();
  });

  /** Offsets committed a minute apart unless something else commits them (a stop). */
  function consumer(groupId = `${prefix}group`, commitIntervalMs = 60_000): EventConsumer {
    return new EventConsumer(kafka, publisher, {
      groupId,
      topics: [topic],
      commitIntervalMs,
      handler: async (event) => {
        deliveries++;
        await handleOnce(db.dataSource, 'svc', 'effects', event, async (m) => {
          // Slow enough that a stop lands while a message is in flight.
          await new Promise((resolve) => setTimeout(resolve, 25));
          await m.query('INSERT INTO svc.effects (event_id) VALUES ($1)', [event.id]);
        });
      },
    });
  }

  async function effects(): Promise<number> {
    const [{ n }] = await db.dataSource.query('SELECT count(*)::int AS n FROM svc.effects');
    return n;
  }

  it('loses nothing and applies nothing twice across a graceful stop and a restart', async () => {
    // Given 60 events on one partition key
    const orderId = randomUUID();
    const events: DomainEvent[] = Array.from({ length: 60 }, () =>
      createEvent('payment.failed', orderId, {
        orderId,
        provider: 'stripe',
        providerEventId: `evt_${randomUUID()}`,
        paymentIntentId: 'pi_1',
        failureCode: null,
        failureMessage: null,
      }),
    );
    await publisher.sendBatch([
      { topic, messages: events.map((e) => ({ key: orderId, value: JSON.stringify(e) })) },
    ]);

    // When the consumer is stopped part-way through, then a new one starts in the same group
    const first = consumer();
    await first.start();
    await waitFor('some events to be applied', async () => (await effects()) >= 10);
    await first.stop();
    const appliedAtStop = await effects();
    const second = consumer();
    await second.start();
    await waitFor('every event to be applied', async () => (await effects()) === 60, {
      timeoutMs: 30_000,
    });
    await second.stop();

    // Then every event was applied exactly once, and offsets committed at the stop (the interval
    // is a minute) meant no redelivery
    expect(appliedAtStop).toBeLessThan(60);
    expect(await effects()).toBe(60);
    expect(deliveries).toBe(60);
  });

  it('commits what it handled on its own timer, with no later message or stop to carry it', async () => {
    // Given a consumer committing every 300 ms, and five events
    const groupId = `${prefix}interval`;
    const orderId = randomUUID();
    const events = Array.from({ length: 5 }, () =>
      createEvent('payment.failed', orderId, {
        orderId,
        provider: 'stripe',
        providerEventId: `evt_${randomUUID()}`,
        paymentIntentId: 'pi_2',
        failureCode: null,
        failureMessage: null,
      }),
    );
    const before = await effects();
    const running = consumer(groupId, 300);
    await running.start();
    await publisher.sendBatch([
      { topic, messages: events.map((e) => ({ key: orderId, value: JSON.stringify(e) })) },
    ]);
    await waitFor('the events to be applied', async () => (await effects()) === before + 5, {
      timeoutMs: 30_000,
    });

    // When nothing else arrives
    // Then the group's committed offsets reach the end of every partition
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(topic);
      await waitFor('the handled offsets to be committed', async () => {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return ends.every(
          (end) =>
            committed?.partitions.find((p) => p.partition === end.partition)?.offset ===
              end.offset || end.offset === '0',
        );
      });
    } finally {
      await admin.disconnect();
      await running.stop();
    }
  });
});
