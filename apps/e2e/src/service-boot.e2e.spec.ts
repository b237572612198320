import {
  createTestDatabase,
  ServiceProcess,
  type TestDatabase,
  waitFor,
} from '@switchyard/testing';
import { createServer } from 'node:net';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('a service at boot', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase('boot');
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('refuses to start with a bad configuration, naming each variable and what to fix', async () => {
    // Given a payments service with a malformed port and a secret that is not a Stripe secret
    const payments = new ServiceProcess({
      name: 'payments',
      port: 4201,
      env: {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRETS: 'sk_live_oops',
        KAFKA_BROKERS: 'nohost',
      },
    });

    // When it starts
    payments.spawnOnly();

    // Then it exits with status 1 and says which variables are wrong
    expect(await payments.exitCode()).toBe(1);
    expect(payments.logs).toContain('Invalid configuration');
    expect(payments.logs).toMatch(
      /STRIPE_WEBHOOK_SECRETS: each Stripe webhook secret starts with "whsec_"/,
    );
    expect(payments.logs).toMatch(/KAFKA_BROKERS: each broker must be host:port/);
    // And it does not print the secret it refused: a key pasted into the wrong variable
    expect(payments.logs).not.toContain('sk_live_oops');
  });

  it('is live but not ready while Kafka does not answer, and says which dependency is down', async () => {
    // Given orders with a reachable database and a Kafka address where nothing listens
    const orders = new ServiceProcess({
      name: 'orders',
      port: 4202,
      env: { DATABASE_URL: database.url, KAFKA_BROKERS: `127.0.0.1:${await closedPort()}` },
    });
    try {
      // When it starts
      await orders.start('live');

      // Then /health/ready answers 503, Postgres up and Kafka down
      const ready = await waitFor('a readiness answer', async () => {
        const res = await fetch(`${orders.url}/health/ready`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      });
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({
        status: 'error',
        info: { postgres: { status: 'up' } },
        error: { kafka: { status: 'down' } },
      });
    } finally {
      await orders.stop();
    }
  });
});
