import { createKafka, ensureTopics, EventPublisher } from '@switchyard/messaging';
import { testKafkaBrokers } from '@switchyard/testing';

/** A producer for tests that feed a service: its topics exist before the first send. */
export async function createTestPublisher(
  kafkaPrefix: string,
  logicalTopics: readonly string[],
): Promise<EventPublisher> {
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'test-publisher',
    namePrefix: kafkaPrefix,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(
      admin,
      logicalTopics.map((t) => `${kafkaPrefix}${t}`),
    );
  } finally {
    await admin.disconnect();
  }
  return new EventPublisher(kafka);
}
