import { assertKafkaReachable, testKafkaBrokers, uniqueKafkaPrefix } from '@switchyard/testing';
import { createKafka, ensureTopics, KafkaTopicsNotReadyError } from './kafka-settings';

describe('ensureTopics (real Kafka)', () => {
  const prefix = uniqueKafkaPrefix('topics');
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'topics-test',
    namePrefix: prefix,
  });
  const admins = Array.from({ length: 4 }, () => kafka.admin());
  const made: string[] = [];

  beforeAll(async () => {
    await assertKafkaReachable();
    await Promise.all(admins.map((a) => a.connect()));
  });

  afterAll(async () => {
    if (made.length > 0) await admins[0].deleteTopics({ topics: made }).catch(() => undefined);
    await Promise.all(admins.map((a) => a.disconnect()));
  });

  it('returns only once every partition of topics it created has a leader, when several callers race to create them', async () => {
    // Given topics that do not exist yet
    const topics = Array.from({ length: 6 }, (_, i) => `${prefix}race-${i}`);
    made.push(...topics);

    // When four callers ensure them at once (as services starting together do)
    await Promise.all(admins.map((admin) => ensureTopics(admin, topics, 3)));

    // Then each topic is there with its three partitions, every one of them led
    const { topics: found } = await admins[0].fetchTopicMetadata({ topics });
    expect(found.map((t) => t.name).sort()).toEqual([...topics].sort());
    for (const t of found) {
      expect(t.partitions).toHaveLength(3);
      expect(t.partitions.every((p) => p.leader >= 0)).toBe(true);
    }
  }, 60_000);

  it('leaves an existing topic as it is', async () => {
    // Given a topic made with one partition
    const topic = `${prefix}existing`;
    made.push(topic);
    await ensureTopics(admins[0], [topic], 1);

    // When it is ensured again asking for three
    await ensureTopics(admins[1], [topic], 3);

    // Then it still has one
    const { topics: found } = await admins[0].fetchTopicMetadata({ topics: [topic] });
    expect(found[0].partitions).toHaveLength(1);
  }, 60_000);

  it('fails with a typed error naming the topics when they cannot be created', async () => {
    // Given a topic name Kafka refuses (a name longer than 249 characters)
    const topic = `${prefix}${'x'.repeat(260)}`;

    // When it is ensured with a short deadline
    const attempt = ensureTopics(admins[0], [topic], 1, 1_000);

    // Then the caller learns which topics and why, instead of waiting forever
    await expect(attempt).rejects.toBeInstanceOf(KafkaTopicsNotReadyError);
    await expect(attempt).rejects.toThrow(topic);
  }, 60_000);
});
