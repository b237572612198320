import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { createTestPublisher } from '@switchyard/service-testing';
import {
  accessibilityViolations,
  assertKafkaReachable,
  type Browser,
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

const ADMIN_TOKEN = 'e2e-portal-messages-admin-token-0123456789';
const HOOKS = '/hooks';
const DOWN = { kind: 'status', status: 503, body: 'down for maintenance' } as const;
const UP = { kind: 'status', status: 204 } as const;

/** Pages must not block anyone: no serious or critical axe violation. */
async function expectAccessible(page: Page): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect(formatViolations(violations)).toBe(formatViolations([]));
}

interface LoggedMessage {
  id: string;
  eventId: string;
  deliveries: { status: string }[];
}

describe("a partner's messages in its portal (notifications as a process, real Postgres and Kafka, Chromium)", () => {
  let database: TestDatabase;
  let receiver: ScriptedReceiver;
  let kafkaPrefix: string;
  let publisher: EventPublisher;
  let notifications: ServiceProcess;
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let events: DomainEvent[];
  let startedAt: Date;

  /** The partner's messages as its API lists them. */
  async function messagesOf(): Promise<LoggedMessage[]> {
    const response = await fetch(`${notifications.url}/v1/messages?eventType=order.cancelled`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    return (await json<{ data: LoggedMessage[] }>(response)).data;
  }

  async function publishOrder(): Promise<DomainEvent> {
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'out of stock' });
    await publisher.sendBatch([
      {
        topic: `${kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(event) }],
      },
    ]);
    return event;
  }

  beforeAll(async () => {
    await assertKafkaReachable();
    database = await createTestDatabase('e2e_portal_messages');
    receiver = new ScriptedReceiver();
    await receiver.start();
    kafkaPrefix = uniqueKafkaPrefix('e2e_portal_messages');
    publisher = await createTestPublisher(kafkaPrefix, [Topics.ordersEvents]);
    notifications = new ServiceProcess({
      name: 'notifications',
      port: 4145,
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_NAME_PREFIX: kafkaPrefix,
        ADMIN_TOKEN,
        DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
        DELIVERY_RETRY_SCHEDULE: '0,200ms,400ms',
        DELIVERY_POLL_MS: '100',
        // The circuit stays shut, so each failed delivery has all its attempts in the log
        DELIVERY_BREAKER_THRESHOLD: '100',
      },
    });
    await notifications.start();
    browser = await launchChromium();
    page = await (await browser.newContext({ baseURL: notifications.url })).newPage();

    // Given a partner whose receiver is down while three orders are cancelled
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const partner = await json<{ id: string; apiKey: string }>(
      await fetch(`${notifications.url}/v1/partners`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'Gamma Parcels' }),
      }),
    );
    apiKey = partner.apiKey;
    await json(
      await fetch(`${notifications.url}/v1/endpoints`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url(HOOKS), eventTypes: ['order.cancelled'] }),
      }),
    );
    receiver.always(HOOKS, DOWN);
    startedAt = new Date(Date.now() - 60_000);
    events = [await publishOrder(), await publishOrder(), await publishOrder()];
    await waitFor(
      'the three deliveries to be given up',
      async () => {
        const messages = await messagesOf();
        return (
          messages.filter((m) => m.deliveries[0]?.status === 'failed').length === events.length
        );
      },
      { timeoutMs: 60_000 },
    );
    // And the partner in its portal, through a link issued with the admin API
    const link = await json<{ url: string }>(
      await fetch(`${notifications.url}/v1/partners/${partner.id}/portal-links`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ capability: 'manage' }),
      }),
    );
    await page.goto(link.url);
    await page.waitForURL(/\/portal$/);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await notifications?.stop();
    await publisher?.disconnect();
    await receiver?.stop();
    await database?.drop();
  });

  it('lists the messages and narrows them to the failed ones through the URL', async () => {
    // When the partner opens its message log
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.waitForURL(/\/portal\/messages$/);

    // Then its three messages are listed, each failed at its endpoint
    const rows = page.locator('tr[data-message]');
    await expect(rows.count()).resolves.toBe(3);
    await expect(page.locator('[data-status="failed"]').count()).resolves.toBe(3);
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-messages');

    // When it filters by status failed
    await page.getByLabel('Delivery status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();

    // Then the filter is in the address, to share or go back to, and the log still shows all three
    await page.waitForURL(/\/portal\/messages\?status=failed&/);
    await expect(rows.count()).resolves.toBe(3);
    await expect(page.getByLabel('Delivery status').inputValue()).resolves.toBe('failed');
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-messages-filtered');

    // And filtering by succeeded finds none yet
    await page.goto('/portal/messages?status=succeeded');
    await page.getByTestId('no-messages').waitFor();
  });

  it('shows a failed message with each attempt, resends it once the receiver is back, and sees it succeed', async () => {
    // Given the partner on its failed messages
    const [event] = events;
    if (!event) throw new Error('no event published');
    await page.goto(`/portal/messages?status=failed&eventId=${event.id}`);

    // When it opens the message
    await page.locator('tr[data-message] a').first().click();
    await page.waitForURL(/\/portal\/messages\/msg_[0-9a-f-]+$/);

    // Then it sees the event and the three refused attempts with the receiver's status code
    await expect(page.getByTestId('payload').textContent()).resolves.toContain(event.id);
    const attempts = page.locator('[data-attempt]');
    await expect(attempts.count()).resolves.toBe(3);
    await expect(page.getByTestId('status-code').allTextContents()).resolves.toEqual([
      '503',
      '503',
      '503',
    ]);
    await expect(page.getByText('down for maintenance').count()).resolves.toBe(3);
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-message');

    // When the receiver is back and the partner resends the message
    receiver.always(HOOKS, UP);
    await page.getByRole('button', { name: `Resend to ${receiver.url(HOOKS)}` }).click();
    await page.waitForURL(/\?resent=1$/);
    await page.getByTestId('resent').waitFor();

    // Then a successful attempt appears at the top of the timeline
    await waitFor(
      'the resent attempt to show',
      async () => {
        await page.reload();
        return (await page.locator('[data-attempt]').first().getAttribute('data-outcome')) ===
          'succeeded'
          ? true
          : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 300 },
    );
    await expect(page.getByTestId('status-code').first().textContent()).resolves.toBe('204');
    await expect(attempts.count()).resolves.toBe(4);
    await expect(page.locator('td[data-status]').textContent()).resolves.toBe('succeeded');
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-message-resent');
  });

  it('recovers the rest of the failed deliveries since a time, saying how many', async () => {
    // Given the partner on its log, two messages still failed
    await page.goto('/portal/messages');

    // When it recovers everything that failed since before the orders were cancelled
    await page.getByLabel('Failed since (UTC)').fill(startedAt.toISOString().slice(0, 19));
    await page.getByRole('button', { name: 'Recover failed' }).click();

    // Then the page says two were scheduled again
    await expect(page.getByTestId('recovered').textContent()).resolves.toBe(
      '2 failed deliveries scheduled again.',
    );
    await expectAccessible(page);

    // And soon no message is failed any more
    await waitFor(
      'every delivery to succeed',
      async () =>
        (await messagesOf()).every((m) => m.deliveries[0]?.status === 'succeeded') || undefined,
      { timeoutMs: 20_000 },
    );
    await page.goto('/portal/messages?status=failed');
    await page.getByTestId('no-messages').waitFor();
  });
});
