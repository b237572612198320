import { createEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { createTestPublisher } from '@switchyard/service-testing';
import {
  assertKafkaReachable,
  createTestDatabase,
  PartnerSink,
  ServiceProcess,
  type TestDatabase,
  TestDnsServer,
  testKafkaBrokers,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

const ADMIN_TOKEN = 'e2e-url-safety-admin-token-0123456789';

/** A loopback port free right now, so this file never clashes with another suite's services. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Attempt {
  statusCode: number | null;
  error: string | null;
}

interface Message {
  deliveries: { endpointId: string; status: string; attempts: number; reason: string | null }[];
}

describe('a partner host name that resolves to this machine (real notifications process, real DNS answers)', () => {
  let database: TestDatabase;
  let dns: TestDnsServer;
  let sink: PartnerSink;
  let sinkPort: string;
  let notifications: ServiceProcess;
  let publisher: EventPublisher;
  let kafkaPrefix: string;
  let apiKey: string;

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${notifications.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${response.status} ${method} ${path}: ${text}`);
    return JSON.parse(text) as T;
  }

  beforeAll(async () => {
    await assertKafkaReachable();
    database = await createTestDatabase('e2e_url_safety');
    // The partner's DNS: hooks.partner.test is 127.0.0.1, where the partner sink listens.
    dns = new TestDnsServer({ 'hooks.partner.test': { A: ['127.0.0.1'] } });
    const dnsServer = await dns.start();
    sink = new PartnerSink();
    sinkPort = new URL(await sink.start()).port;
    kafkaPrefix = uniqueKafkaPrefix('e2e-url-safety');
    publisher = await createTestPublisher(kafkaPrefix, [
      Topics.ordersEvents,
      Topics.paymentsEvents,
    ]);
    notifications = new ServiceProcess({
      name: 'notifications',
      port: await freePort(),
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_NAME_PREFIX: kafkaPrefix,
        ADMIN_TOKEN,
        DELIVERY_DNS_SERVERS: dnsServer,
        // Set, not merely left out, so nothing inherited from the environment allows loopback.
        DELIVERY_ALLOWED_NETWORKS: '',
        DELIVERY_REQUIRE_HTTPS: 'false',
        DELIVERY_RETRY_SCHEDULE: '0,200ms,500ms',
        DELIVERY_POLL_MS: '100',
      },
    });
    await notifications.start();
    const partner = await fetch(`${notifications.url}/v1/partners`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Hooks' }),
    });
    apiKey = ((await partner.json()) as { apiKey: string }).apiKey;
  });

  afterAll(async () => {
    await notifications?.stop();
    await publisher?.disconnect();
    await sink?.stop();
    await dns?.stop();
    await database?.drop();
  });

  it('never connects, records the refusal in the attempt log, and gives up on the delivery', async () => {
    // Given an endpoint registered at a DNS name, accepted because only connecting can tell
    // where a name leads
    const endpoint = await api<{ id: string; secret: string }>('POST', '/v1/endpoints', {
      url: `http://hooks.partner.test:${sinkPort}/webhooks`,
      eventTypes: ['order.*'],
    });
    sink.useSecret(endpoint.secret);

    // When an order event reaches notifications
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'url safety e2e' });
    await publisher.sendBatch([
      {
        topic: `${kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(event) }],
      },
    ]);

    // Then the delivery fails for good after one attempt, refused by the destination guard
    const [message] = await waitFor('the delivery to be given up', async () => {
      const page = await api<{ data: Message[] }>(
        'GET',
        `/v1/messages?eventType=order.cancelled&subject=${orderId}`,
      );
      return page.data[0]?.deliveries[0]?.status === 'failed' ? page.data : undefined;
    });
    expect(message?.deliveries).toEqual([
      expect.objectContaining({ endpointId: endpoint.id, status: 'failed', attempts: 1 }),
    ]);

    // And the attempt log says why, naming the name and the address it resolved to
    const log = await api<{ data: Attempt[] }>('GET', `/v1/endpoints/${endpoint.id}/attempts`);
    expect(log.data).toEqual([
      expect.objectContaining({
        statusCode: null,
        error:
          'ERR_UNSAFE_DESTINATION: hooks.partner.test (127.0.0.1) is a loopback address; webhooks go only to public addresses (an operator can allow networks with DELIVERY_ALLOWED_NETWORKS)',
      }),
    ]);

    // And the service did ask the partner's DNS, yet the sink on 127.0.0.1 received nothing
    expect(dns.queries).toContainEqual({ name: 'hooks.partner.test', type: 'A' });
    expect(sink.received).toEqual([]);
  });
});
