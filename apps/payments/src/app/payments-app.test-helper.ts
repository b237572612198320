import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp, loadConfig } from '@switchyard/service';
import {
  createTestDatabase,
  FakeStripeApi,
  type TestDatabase,
  testKafkaBrokers,
  uniqueKafkaPrefix,
} from '@switchyard/testing';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { PaymentsEnv } from './payments-env';

export const WEBHOOK_SECRET = 'whsec_payments_int_test_secret';
export const ADMIN_TOKEN = 'payments-int-admin-token-0123456789';

export interface PaymentsTestApp {
  readonly app: NestFastifyApplication;
  readonly url: string;
  readonly dataSource: DataSource;
  readonly database: TestDatabase;
  readonly stripe: FakeStripeApi;
  readonly kafkaPrefix: string;
  close(): Promise<void>;
}

/**
 * The payments service in this process, against a fresh database, real Kafka under its own
 * topic prefix, and the fake Stripe API (the one third party we cannot reach).
 */
export async function startPaymentsApp(
  label: string,
  env: Record<string, string> = {},
): Promise<PaymentsTestApp> {
  const database = await createTestDatabase(label);
  const stripe = new FakeStripeApi({ secretKey: 'sk_test_payments_int' });
  const address = await stripe.start();
  const kafkaPrefix = uniqueKafkaPrefix(label);
  const config = loadConfig(PaymentsEnv, {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    KAFKA_NAME_PREFIX: kafkaPrefix,
    STRIPE_WEBHOOK_SECRETS: WEBHOOK_SECRET,
    STRIPE_SECRET_KEY: 'sk_test_payments_int',
    STRIPE_API_BASE_URL: address.url,
    STRIPE_PROCESSOR_POLL_MS: '100',
    STRIPE_RECONCILE_INTERVAL_MS: '0',
    ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const app = await createServiceApp(AppModule.forRoot(config));
  await app.listen(0, '127.0.0.1');
  return {
    app,
    url: await app.getUrl(),
    dataSource: app.get(DataSource),
    database,
    stripe,
    kafkaPrefix,
    close: async () => {
      await app.close();
      await stripe.stop();
      await database.drop();
    },
  };
}
