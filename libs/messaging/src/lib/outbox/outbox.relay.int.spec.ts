import { createEvent, Topics } from '@switchyard/contracts';
import {
  adminDatabaseUrl,
  createTestDataSource,
  type TestDataSource,
  testKafkaBrokers,
  TopicRecorder,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../event-publisher';
import { createKafka, ensureTopics } from '../kafka-settings';
import { outboxTableDdl } from '../messaging-ddl';
import { appendToOutbox } from './outbox.writer';
import { OutboxRelay } from './outbox.relay';

describe('outbox relay (real Postgres, real Kafka)', () => {
  const prefix = uniqueKafkaPrefix('relay');
  const topic = `${prefix}${Topics.ordersEvents}`;
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'relay-test',
    namePrefix: prefix,
  });
  let db: TestDataSource;
  let publisher: EventPublisher;
  let relay: OutboxRelay;
  let recorder: TopicRecorder;

  beforeAll(async () => {
    db = await createTestDataSource('relay', 'svc', outboxTableDdl('svc'));
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic]);
    await admin.disconnect();
    publisher = new EventPublisher(kafka);
    recorder = new TopicRecorder([topic]);
    await recorder.start();
  });

  afterAll(async () => {
    await relay?.stop();
    await publisher?.disconnect();
    await recorder?.stop();
    await db?.close();
  });

  function orderCreated(orderId: string) {
    return createEvent('order.created', orderId, {
      orderId,
      customerId: 'cus_1',
      currency: 'usd',
      amountTotal: 100,
      lines: [{ sku: 'a', quantity: 1, unitPrice: 100 }],
    });
  }

  it('publishes a row whose transaction commits after a later-numbered one, keyed by subject', async () => {
    const url = new URL(adminDatabaseUrl());
    url.pathname = `/${db.database.name}`;
    relay = new OutboxRelay(db.dataSource, publisher, {
      schema: 'svc',
      connectionString: url.toString(),
      topicName: (t) => `${prefix}${t}`,
      pollIntervalMs: 100,
    });
    const [early, late] = [orderCreated(randomUUID()), orderCreated(randomUUID())];

    // Given a transaction that takes the lower outbox position and stays open
    const slow = db.dataSource.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    await appendToOutbox(slow.manager, 'svc', [early]);

    // And a later transaction that commits first
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [late]));
    relay.start();
    await waitFor('the committed event on Kafka', () =>
      recorder.messages.some((m) => m.key === late.subject),
    );

    // When the first transaction finally commits
    await slow.commitTransaction();
    await slow.release();

    // Then its event is published too, with the subject as key and the event id as header
    const published = await waitFor('the late-committed event on Kafka', () =>
      recorder.messages.find((m) => m.key === early.subject),
    );
    expect(JSON.parse(published.value ?? '')).toEqual(early);
    expect(published.headers['event-id']).toBe(early.id);
    const [{ unpublished }] = await db.dataSource.query(
      `SELECT count(*)::int AS unpublished FROM svc.outbox WHERE published_at IS NULL`,
    );
    expect(unpublished).toBe(0);
  });

  it('publishes nothing from a transaction that rolls back', async () => {
    const rolledBack = orderCreated(randomUUID());
    const committed = orderCreated(randomUUID());

    await db.dataSource
      .transaction(async (m) => {
        await appendToOutbox(m, 'svc', [rolledBack]);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [committed]));

    await waitFor('the committed event', () =>
      recorder.messages.some((m) => m.key === committed.subject),
    );
    expect(recorder.messages.some((m) => m.key === rolledBack.subject)).toBe(false);
  });
});
