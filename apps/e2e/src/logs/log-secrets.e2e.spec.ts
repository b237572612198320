import {
  assertKafkaReachable,
  createTestDatabase,
  FakeStripeApi,
  freePorts,
  PartnerSink,
  type PushFakes,
  ServiceProcess,
  startPushFakes,
  type TestDatabase,
  testKafkaBrokers,
  uniqueKafkaPrefix,
} from '@switchyard/testing';
import { randomBytes } from 'node:crypto';
import { type Secret, SecretsFlow } from './secrets-flow';
import { type LogLine, serviceLogLines } from './service-log-lines';

const run = randomBytes(4).toString('hex');
const STRIPE_WEBHOOK_SECRET = `whsec_logs_${randomBytes(16).toString('hex')}`;
const STRIPE_SECRET_KEY = `sk_test_logs_${randomBytes(16).toString('hex')}`;
const ADMIN_TOKEN = `admin-logs-${randomBytes(16).toString('hex')}`;
const DEVICES_API_TOKEN = `devices-logs-${randomBytes(16).toString('hex')}`;

function messageOf(line: LogLine): unknown {
  return line.json?.['msg'];
}

/** The lines that contain `secret`, named by service, with the secret masked. */
function leaks(lines: readonly LogLine[], secret: Secret): string[] {
  return lines
    .filter((line) => line.text.includes(secret.value))
    .map(
      (line) => `${line.service}: ${line.text.split(secret.value).join('<HERE>').slice(0, 400)}`,
    );
}

describe('the logs of a full run at LOG_LEVEL=debug, failures included (three services, real Kafka and Postgres)', () => {
  let database: TestDatabase;
  let services: ServiceProcess[] = [];
  let stripeApi: FakeStripeApi;
  let sink: PartnerSink;
  let failingSink: PartnerSink;
  let flow: SecretsFlow;
  let pushFakes: PushFakes;
  let lines: LogLine[];

  beforeAll(async () => {
    await assertKafkaReachable();
    database = await createTestDatabase('e2e_logs');
    stripeApi = new FakeStripeApi({ secretKey: STRIPE_SECRET_KEY });
    const stripeAddress = await stripeApi.start();
    pushFakes = await startPushFakes();
    const env = {
      ...pushFakes.env,
      DEVICES_API_TOKEN,
      DATABASE_URL: database.url,
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      KAFKA_NAME_PREFIX: uniqueKafkaPrefix('e2e_logs'),
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'json',
      ADMIN_TOKEN,
      STRIPE_WEBHOOK_SECRETS: STRIPE_WEBHOOK_SECRET,
      STRIPE_SECRET_KEY,
      STRIPE_API_BASE_URL: stripeAddress.url,
      STRIPE_PROCESSOR_POLL_MS: '200',
      // No reconciliation: its calls to Stripe would take some of the outage's failed answers.
      STRIPE_RECONCILE_INTERVAL_MS: '0',
      DELIVERY_RETRY_SCHEDULE: '0,200ms,500ms',
      DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
    };
    const label = `logs-${run}`;
    const [ordersPort, paymentsPort, notificationsPort] = (await freePorts(3)) as [
      number,
      number,
      number,
    ];
    services = [
      new ServiceProcess({ name: 'orders', port: ordersPort, env, label }),
      new ServiceProcess({ name: 'payments', port: paymentsPort, env, label }),
      new ServiceProcess({ name: 'notifications', port: notificationsPort, env, label }),
    ];
    const [orders, payments, notifications] = services as [
      ServiceProcess,
      ServiceProcess,
      ServiceProcess,
    ];
    await Promise.all(services.map((s) => s.start()));
    sink = new PartnerSink();
    failingSink = new PartnerSink();
    failingSink.failEverything(500);
    flow = new SecretsFlow({
      orders,
      payments,
      notifications,
      stripeApi,
      sink,
      failingSink,
      adminToken: ADMIN_TOKEN,
      stripeWebhookSecret: STRIPE_WEBHOOK_SECRET,
      push: { fakes: pushFakes, devicesToken: DEVICES_API_TOKEN },
    });
    await flow.run();
    // Stopped before reading: every line they wrote, shutdown included, is then in the files.
    await Promise.all(services.map((s) => s.stop()));
    lines = serviceLogLines(services);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await sink?.stop();
    await failingSink?.stop();
    await stripeApi?.stop();
    await pushFakes?.stop();
    await database?.drop();
  });

  it('writes every line as JSON, requests, rejections, events and delivery attempts among them', () => {
    expect(lines.filter((line) => line.json === null).map((line) => line.text)).toEqual([]);
    const messages = new Set(lines.map(messageOf));
    for (const expected of [
      'request completed',
      'Stripe webhook rejected',
      'Stripe event received',
      'Stripe event processed',
      'event handled',
      'webhook attempt',
    ]) {
      expect(messages).toContain(expected);
    }
    for (const service of ['orders', 'payments', 'notifications']) {
      expect(lines.filter((line) => line.service === service).length).toBeGreaterThan(10);
    }
  });

  it('logs the requests with their credentials and signatures redacted, not left out', () => {
    const headersOf = (line: LogLine) =>
      (line.json?.['req'] as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    const requests = lines.map(headersOf);

    expect(requests).toContainEqual(expect.objectContaining({ authorization: '[redacted]' }));
    expect(requests).toContainEqual(expect.objectContaining({ 'stripe-signature': '[redacted]' }));
  });

  it('logs the failures: wrong credentials, forged signatures, a Stripe outage, a failing endpoint', () => {
    const statuses = lines.map(
      (line) => (line.json?.['res'] as { statusCode?: number })?.statusCode,
    );
    const attempts = lines.filter((line) => line.json?.['msg'] === 'webhook attempt');

    expect(statuses).toEqual(expect.arrayContaining([400, 401]));
    expect(attempts.map((line) => line.json?.['statusCode'])).toContain(500);
    expect(
      lines.filter((line) => line.service === 'payments' && line.json?.['err']).map(messageOf),
    ).toContain('a dependency is unavailable; holding the message and retrying');
  });

  it.each([
    'the Stripe webhook signing secret',
    'a valid Stripe-Signature header',
    'a forged Stripe-Signature header',
    'a malformed Stripe-Signature header',
    'the admin token',
    'a wrong admin token',
    "a partner's API key",
    'a wrong partner API key',
    "an endpoint's signing secret",
    'a webhook-signature a partner received',
    "a PaymentIntent's client secret",
    "a charge's card fingerprint",
    "a charge's cardholder name",
    "a charge's billing email",
    "a charge's card last4",
    "a charge's payment method details",
    'the devices API token',
    "a phone's APNs device token",
    "a phone's FCM registration token",
    'a wrong devices API token',
    'the APNs signing key',
    'an APNs provider token',
    "the FCM service account's private key",
    'an FCM access token',
  ])('never writes %s to the logs', (what) => {
    const secrets = flow.secrets.filter((secret) => secret.what === what);

    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.flatMap((secret) => leaks(lines, secret))).toEqual([]);
  });

  it('never writes the Stripe secret key to the logs', () => {
    expect(leaks(lines, { what: 'the Stripe secret key', value: STRIPE_SECRET_KEY })).toEqual([]);
  });

  it('never writes any secret the run used to the logs', () => {
    expect(flow.secrets.flatMap((secret) => leaks(lines, secret))).toEqual([]);
  });
});
