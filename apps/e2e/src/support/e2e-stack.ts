import {
  assertKafkaReachable,
  createTestDatabase,
  ServiceProcess,
  type TestDatabase,
  testKafkaBrokers,
  uniqueKafkaPrefix,
} from '@switchyard/testing';
import { Client } from 'pg';
import Stripe from 'stripe';

/** The three services as processes on one fresh database and Kafka prefix, as a deployment runs. */
export interface E2eStack {
  readonly database: TestDatabase;
  readonly kafkaPrefix: string;
  readonly orders: ServiceProcess;
  readonly payments: ServiceProcess;
  readonly notifications: ServiceProcess;
  readonly services: readonly ServiceProcess[];
  readonly adminToken: string;
  readonly stripeWebhookSecret: string;
  stop(): Promise<void>;
}

const stripe = new Stripe('sk_test_e2e_unused');

/**
 * Starts orders, payments and notifications on `ports`, with `env` over the settings every e2e
 * flow needs (e2eStorage's, and a Stripe webhook secret).
 */
export async function startE2eStack(
  label: string,
  ports: { orders: number; payments: number; notifications: number },
  env: Record<string, string> = {},
): Promise<E2eStack> {
  const { database, kafkaPrefix, adminToken, serviceEnv } = await e2eStorage(label);
  const stripeWebhookSecret = `whsec_${label}_secret`;
  const shared = { ...serviceEnv, STRIPE_WEBHOOK_SECRETS: stripeWebhookSecret, ...env };
  const orders = new ServiceProcess({ name: 'orders', port: ports.orders, env: shared });
  const payments = new ServiceProcess({ name: 'payments', port: ports.payments, env: shared });
  const notifications = new ServiceProcess({
    name: 'notifications',
    port: ports.notifications,
    env: shared,
  });
  const services = [orders, payments, notifications];
  await Promise.all(services.map((s) => s.start()));
  return {
    database,
    kafkaPrefix,
    orders,
    payments,
    notifications,
    services,
    adminToken,
    stripeWebhookSecret,
    stop: async () => {
      await Promise.all(services.map((s) => s.stop()));
      await database.drop();
    },
  };
}

/**
 * A fresh database and Kafka prefix named after `label`, an admin token, and the settings every
 * e2e service takes from them (loopback partners allowed). Fails when Kafka cannot be reached
 * rather than skip.
 */
export async function e2eStorage(label: string): Promise<{
  database: TestDatabase;
  kafkaPrefix: string;
  adminToken: string;
  serviceEnv: Record<string, string>;
}> {
  await assertKafkaReachable();
  const database = await createTestDatabase(label);
  const kafkaPrefix = uniqueKafkaPrefix(label);
  const adminToken = `${label}-admin-token-0123456789abcdef`;
  const serviceEnv = {
    DATABASE_URL: database.url,
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    KAFKA_NAME_PREFIX: kafkaPrefix,
    ADMIN_TOKEN: adminToken,
    DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
  };
  return { database, kafkaPrefix, adminToken, serviceEnv };
}

/** The body of a 2xx answer; anything else fails with the status and what the service said. */
export async function json<T>(response: Response): Promise<T> {
  const text = await response.text();
  if (!response.ok) throw new Error(`${response.status} ${response.url}: ${text}`);
  return JSON.parse(text) as T;
}

/** A partner and one endpoint of it, made through the APIs: its API key and signing secret. */
export async function createPartnerEndpoint(
  stack: E2eStack,
  endpoint: { url: string; eventTypes: string[] },
): Promise<{ apiKey: string; secret: string }> {
  const partner = await json<{ apiKey: string }>(
    await fetch(`${stack.notifications.url}/v1/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'E2e partner' }),
    }),
  );
  const created = await json<{ secret: string }>(
    await fetch(`${stack.notifications.url}/v1/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(endpoint),
    }),
  );
  return { apiKey: partner.apiKey, secret: created.secret };
}

/** Posts a Stripe event to payments, signed as Stripe signs it with the stack's secret. */
export function sendStripeEvent(stack: E2eStack, payload: string): Promise<Response> {
  return fetch(`${stack.payments.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stack.stripeWebhookSecret,
      }),
    },
    body: payload,
  });
}

/** Rows of one query on the stack's database (to see what the services stored). */
export async function queryDatabase<T = Record<string, unknown>>(
  stack: { readonly database: { readonly url: string } },
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: stack.database.url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as T[];
  } finally {
    await client.end();
  }
}
