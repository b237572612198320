import { type DynamicModule } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@switchyard/service';
import { DataSource } from 'typeorm';
import {
  createTestDatabase,
  type TestDatabase,
  testKafkaBrokers,
  uniqueKafkaPrefix,
} from '@switchyard/testing';

export interface InProcessService {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly dataSource: DataSource;
  readonly database: TestDatabase;
  readonly kafkaPrefix: string;
  close(): Promise<void>;
}

/**
 * A service in the test's process, on a random loopback port, against a fresh database and real
 * Kafka under a topic prefix of its own. `module` turns the environment into the app module,
 * through the service's own config validation.
 */
export async function startInProcessService(
  label: string,
  module: (env: Record<string, string>) => DynamicModule,
  env: Record<string, string> = {},
  /** Another instance's database and topic prefix, to run two instances of one service. */
  shared?: { database: TestDatabase; kafkaPrefix: string },
): Promise<InProcessService> {
  const database = shared?.database ?? (await createTestDatabase(label));
  const kafkaPrefix = shared?.kafkaPrefix ?? uniqueKafkaPrefix(label);
  const app = await createServiceApp(
    module({
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      KAFKA_NAME_PREFIX: kafkaPrefix,
      LOG_LEVEL: 'warn',
      ...env,
    }),
  );
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: await app.getUrl(),
    dataSource: app.get(DataSource),
    database,
    kafkaPrefix,
    close: async () => {
      await app.close();
      if (!shared) await database.drop();
    },
  };
}
