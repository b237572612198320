import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export function testKafkaBrokers(): string[] {
  return (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
}

/** A topic and group prefix unique to one suite, so suites share the broker but not the data. */
export function uniqueKafkaPrefix(label: string): string {
  return `test.${label}.${randomBytes(4).toString('hex')}.`;
}

/** Fails loudly, naming the broker and the fix, when Kafka does not answer. */
export async function assertKafkaReachable(): Promise<void> {
  const brokers = testKafkaBrokers();
  const admin = new Kafka({
    clientId: 'switchyard-tests',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3 },
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (err) {
    throw new Error(
      `Cannot reach Kafka at ${brokers.join(',')} (${(err as Error).message}). ` +
        'Start it with `npm run infra:up`, or set KAFKA_BROKERS.',
    );
  } finally {
    await admin.disconnect();
  }
}
