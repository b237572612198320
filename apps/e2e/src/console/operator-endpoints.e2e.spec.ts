import { createEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { createTestPublisher } from '@switchyard/service-testing';
import {
  accessibilityViolations,
  assertKafkaReachable,
  type Browser,
  type BrowserContext,
  createTestDatabase,
  formatViolations,
  launchChromium,
  type Page,
  saveScreenshot,
  ScriptedReceiver,
  ServiceProcess,
  type TestDatabase,
  testKafkaBrokers,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { json } from '../support/e2e-stack';

const ADMIN_TOKEN = 'e2e-console-operator-admin-token-0123456789';
const OPERATOR = { email: 'ops.endpoints@example.com', password: 'correct horse battery staple' };

/** Pages must not block anyone: no serious or critical axe violation. */
async function expectAccessible(page: Page): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect(formatViolations(violations)).toBe(formatViolations([]));
}

interface PartnerBed {
  readonly name: string;
  readonly endpointId: string;
  readonly url: string;
}

describe("the operator's endpoints and messages in a real browser (notifications as a process, real Postgres and Kafka)", () => {
  let database: TestDatabase;
  let kafkaPrefix: string;
  let publisher: EventPublisher;
  let receiver: ScriptedReceiver;
  let notifications: ServiceProcess;
  let browser: Browser;
  let operator: BrowserContext;
  /** Its endpoint answers 503 until it recovers: its circuit opens. */
  let failing: PartnerBed;
  let healthy: PartnerBed;
  let eventId: string;

  async function partnerWithEndpoint(name: string, path: string): Promise<PartnerBed> {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const partner = await json<{ apiKey: string }>(
      await fetch(`${notifications.url}/v1/partners`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name }),
      }),
    );
    const url = receiver.url(path);
    const endpoint = await json<{ id: string }>(
      await fetch(`${notifications.url}/v1/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${partner.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url, eventTypes: ['order.*'] }),
      }),
    );
    return { name, endpointId: endpoint.id, url };
  }

  beforeAll(async () => {
    await assertKafkaReachable();
    database = await createTestDatabase('e2e_console_operator');
    kafkaPrefix = uniqueKafkaPrefix('e2e_console_operator');
    publisher = await createTestPublisher(kafkaPrefix, [Topics.ordersEvents]);
    receiver = new ScriptedReceiver();
    await receiver.start();
    receiver.always('/failing', { kind: 'status', status: 503, body: 'maintenance until noon' });
    notifications = new ServiceProcess({
      name: 'notifications',
      port: 4146,
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_NAME_PREFIX: kafkaPrefix,
        ADMIN_TOKEN,
        DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
        DELIVERY_BREAKER_THRESHOLD: '2',
        // Open for the whole test unless reset: only the operator closes it.
        DELIVERY_BREAKER_COOLDOWN_MS: '600000',
        // After the second failure the next try is far off: only the reset brings it forward.
        DELIVERY_RETRY_SCHEDULE: '0,200ms,10m,10m',
        DELIVERY_POLL_MS: '100',
        CONSOLE_BOOTSTRAP_EMAIL: OPERATOR.email,
        CONSOLE_BOOTSTRAP_PASSWORD: OPERATOR.password,
      },
    });
    await notifications.start();
    failing = await partnerWithEndpoint('Gamma Parcels', '/failing');
    healthy = await partnerWithEndpoint('Delta Couriers', '/healthy');
    browser = await launchChromium();
    operator = await browser.newContext({ baseURL: notifications.url });
  });

  afterAll(async () => {
    await browser?.close();
    await notifications?.stop();
    await publisher?.disconnect();
    await receiver?.stop();
    await database?.drop();
  });

  it('sends the operator to sign in first, then to the endpoints they asked for', async () => {
    // Given the operator created at first run, not signed in
    const page = await operator.newPage();

    // When they open the endpoints and sign in
    await page.goto('/console/endpoints');
    await page.waitForURL(/\/console\/sign-in/);
    await page.getByLabel('Email').fill(OPERATOR.email);
    await page.getByLabel('Password').fill(OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Then they are on the endpoints page
    await page.waitForURL(/\/console\/endpoints$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Endpoints');
  });

  it('shows an open circuit, filtered by state, and resets it once the receiver recovers: the delivery then succeeds', async () => {
    // Given an order event that reaches both partners, the first answering 503 until its circuit opens
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'console e2e' });
    eventId = event.id;
    await publisher.sendBatch([
      {
        topic: `${kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(event) }],
      },
    ]);
    await waitFor('two failed requests to the failing receiver', () =>
      receiver.requestsTo('/failing').length >= 2 ? true : undefined,
    );
    await waitFor('the healthy receiver to get the event', () =>
      receiver.requestsTo('/healthy').length >= 1 ? true : undefined,
    );

    // When the operator opens the endpoints, then filters them by an open circuit
    const page = await operator.newPage();
    await page.goto('/console/endpoints');
    await expect(page.locator('tr[data-endpoint]').count()).resolves.toBe(2);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-endpoints');
    const failingRow = page.locator(`tr[data-endpoint="${failing.endpointId}"]`);
    await page.getByLabel('State').selectOption('circuit-open');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/state=circuit-open/);

    // Then only the failing endpoint is listed, its circuit open with its streak of failures
    await waitFor('the list to hold the open circuit alone', async () =>
      (await page.locator('tr[data-endpoint]').count()) === 1 ? true : undefined,
    );
    await expect(failingRow.getAttribute('data-health')).resolves.toBe('circuit-open');
    await expect(failingRow.getByTestId('endpoint-state').textContent()).resolves.toMatch(
      /circuit open[\s\S]*until[\s\S]*2 failures in a row/,
    );
    await expect(failingRow.getByRole('cell', { name: failing.name }).count()).resolves.toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-endpoint-circuit-open');

    // When the receiver recovers and the operator resets the circuit
    receiver.always('/failing', { kind: 'status', status: 204 });
    const before = receiver.requestsTo('/failing').length;
    await failingRow.getByRole('button', { name: 'Reset circuit' }).click();

    // Then the page says so, and the waiting delivery reaches the receiver and succeeds
    const done = page.getByTestId('action-done');
    await done.waitFor();
    await expect(done.textContent()).resolves.toContain('1 of them brought forward');
    await waitFor('the delivery after the reset', () =>
      receiver.requestsTo('/failing').length > before ? true : undefined,
    );
    await page.goto('/console/endpoints?state=healthy');
    await expect(failingRow.getAttribute('data-health')).resolves.toBe('healthy');
  });

  it('pauses an endpoint and resumes it', async () => {
    // Given the operator on the endpoints page
    const page = await operator.newPage();
    await page.goto('/console/endpoints');
    const row = page.locator(`tr[data-endpoint="${healthy.endpointId}"]`);

    // When they pause the healthy endpoint
    await row.getByRole('button', { name: 'Pause' }).click();

    // Then it is disabled, naming who paused it
    await page.getByTestId('action-done').waitFor();
    await expect(row.getAttribute('data-health')).resolves.toBe('disabled');
    await expect(row.getByTestId('endpoint-state').textContent()).resolves.toContain(
      `paused by an operator (${OPERATOR.email})`,
    );
    await expectAccessible(page);

    // When they resume it, it is healthy again
    await row.getByRole('button', { name: 'Resume' }).click();
    await waitFor('the endpoint to be resumed', async () =>
      (await row.getAttribute('data-health')) === 'healthy' ? true : undefined,
    );
    await expect(row.getByTestId('endpoint-state').textContent()).resolves.not.toContain('paused');
  });

  it("finds the event's messages by event id and shows the failing partner's timeline", async () => {
    // Given the operator on the messages page
    const page = await operator.newPage();
    await page.goto('/console/messages');

    // When they search by the event's id
    await page.getByLabel('Event id').fill(eventId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(new RegExp(`eventId=${eventId}`));

    // Then the event's message to each partner is listed
    await waitFor('both messages', async () =>
      (await page.locator('tr[data-message]').count()) === 2 ? true : undefined,
    );
    await expectAccessible(page);
    await saveScreenshot(page, 'console-messages');

    // When they open the failing partner's message
    await page.locator('tr[data-message]', { hasText: failing.name }).getByRole('link').click();
    await page.waitForURL(/\/console\/messages\/msg_/);

    // Then its attempts show the two 503s, with the receiver's answer, and the success after the reset
    const timeline = page.getByTestId('timeline');
    await expect(timeline.locator('li[data-status="503"]').count()).resolves.toBe(2);
    await expect(timeline.locator('li[data-status="204"]').count()).resolves.toBe(1);
    await expect(timeline.getByText('maintenance until noon').count()).resolves.toBe(2);
    await expect(page.getByText(failing.url).count()).resolves.toBeGreaterThan(0);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-message-timeline');
  });
});
