import { testKafkaBrokers } from '@switchyard/testing';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const root = path.resolve(__dirname, '../../../..');

describe('the pinned kafkajs against the broker CI runs (docs/decisions/0001)', () => {
  it('passes every admin, producer, consumer-group and transaction check', async () => {
    // Given the broker of tools/kafka (or KAFKA_BROKERS)
    // When the compatibility check runs every Kafka API we rely on
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'tools/kafka/kafkajs-compat-check.js')],
      { env: { ...process.env, KAFKA_BROKERS: testKafkaBrokers().join(',') }, timeout: 120_000 },
    ).catch((err: { stdout?: string; message: string }) => {
      throw new Error(`compatibility check failed: ${err.message}\n${err.stdout ?? ''}`);
    });

    // Then all of them pass
    expect(stdout.trim().split('\n').at(-1)).toBe('15 passed, 0 failed');
  }, 120_000);
});
