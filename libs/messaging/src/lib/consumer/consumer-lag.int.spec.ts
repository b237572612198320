import {
  assertKafkaReachable,
  testKafkaBrokers,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '../kafka-settings';
import { consumerGroupLag } from './consumer-lag';

describe('consumerGroupLag (real Kafka)', () => {
  const kafka = new Kafka({
    clientId: 'consumer-lag-test',
    brokers: testKafkaBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const topic = `${uniqueKafkaPrefix('lag')}orders.events.v1`;
  const groupId = `${topic}.group`;

  beforeAll(async () => {
    await assertKafkaReachable();
    await admin.connect();
    await ensureTopics(admin, [topic], 2);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `m${i}` })),
    });
    await producer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  /**
   * On a broker that has never had a consumer group, the offsets topic is still being made and
   * its coordinator answers NOT_COORDINATOR for a while (a scrape then has no lag sample).
   */
  const lagOnceTheCoordinatorAnswers = () =>
    waitFor('the group coordinator to answer', () =>
      consumerGroupLag(admin, groupId, [topic]).catch(() => undefined),
    );

  it('counts every message of a partition as lag before the group commits anything', async () => {
    const lags = await lagOnceTheCoordinatorAnswers();

    expect(lags.sort((a, b) => a.partition.localeCompare(b.partition))).toEqual([
      { topic, partition: '0', lag: 5 },
      { topic, partition: '1', lag: 0 },
    ]);
  });

  it('counts the messages after the committed offset once the group has committed', async () => {
    await waitFor('the committed offset to be set', () =>
      admin
        .setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '2' }] })
        .then(() => true)
        .catch(() => undefined),
    );

    const lags = await lagOnceTheCoordinatorAnswers();

    expect(lags.find((l) => l.partition === '0')?.lag).toBe(3);
  });
});
