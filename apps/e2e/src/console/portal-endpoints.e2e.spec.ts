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
import { Webhook } from 'standardwebhooks';
import { json } from '../support/e2e-stack';

const ADMIN_TOKEN = 'e2e-portal-endpoints-admin-token-0123456789';
const PORT = 4144;
const BREAKER_THRESHOLD = 2;
const HOOK = '/gamma-hooks';

/** Pages must not block anyone: no serious or critical axe violation. */
async function expectAccessible(page: Page): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect(formatViolations(violations)).toBe(formatViolations([]));
}

describe("a partner's endpoint set up in the portal, in a real browser (notifications as a process, real Postgres and Kafka)", () => {
  let database: TestDatabase;
  let notifications: ServiceProcess;
  let browser: Browser;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    await assertKafkaReachable();
    receiver = new ScriptedReceiver();
    await receiver.start();
    database = await createTestDatabase('e2e_portal_endpoints');
    notifications = new ServiceProcess({
      name: 'notifications',
      port: PORT,
      env: {
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testKafkaBrokers().join(','),
        KAFKA_NAME_PREFIX: uniqueKafkaPrefix('e2e_portal_endpoints'),
        ADMIN_TOKEN,
        DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
        DELIVERY_POLL_MS: '100',
        // Two failures in a row open the circuit, for long enough to see it open on the page
        DELIVERY_BREAKER_THRESHOLD: String(BREAKER_THRESHOLD),
        DELIVERY_BREAKER_COOLDOWN_MS: '600000',
        DELIVERY_RETRY_SCHEDULE: '0,1s,1s',
      },
    });
    await notifications.start();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await notifications?.stop();
    await receiver?.stop();
    await database?.drop();
  });

  /** A partner made through the admin API, and a portal link (manage) issued for it there. */
  async function partnerLink(name: string): Promise<string> {
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
    const partner = await json<{ id: string }>(
      await fetch(`${notifications.url}/v1/partners`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name }),
      }),
    );
    const link = await json<{ url: string }>(
      await fetch(`${notifications.url}/v1/partners/${partner.id}/portal-links`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ capability: 'manage' }),
      }),
    );
    return link.url;
  }

  /** Sends an example of `type` from the endpoint's page; answers the message id it shows. */
  async function sendExample(page: Page, type: string): Promise<string> {
    const sent = page.getByTestId('sent-message');
    const shown = async () => ((await sent.count()) > 0 ? ((await sent.textContent()) ?? '') : '');
    const before = await shown();
    await page.getByLabel('Event type').selectOption(type);
    await page.getByRole('button', { name: 'Send example' }).click();
    return waitFor('the page to name the message sent', async () => {
      const text = await shown();
      return text !== before && text;
    });
  }

  it('creates an endpoint, tests its filter live, receives a signed example, then shows its circuit open when the receiver fails', async () => {
    // Given a partner entering its portal with a link issued through the admin API
    const page = await (await browser.newContext({ baseURL: notifications.url })).newPage();
    await page.goto(await partnerLink('Gamma Goods'));
    await page.waitForURL(/\/portal$/);

    // When it opens the form for a new endpoint
    await page.getByRole('link', { name: 'New endpoint' }).click();
    await page.waitForURL(/\/portal\/endpoints\/new$/);
    const url = receiver.url(HOOK);
    await page.getByLabel('URL').fill(url);
    await page.getByLabel('Description').fill('Paid orders to the warehouse');
    await page.getByLabel('order.paid', { exact: true }).check();
    await page.getByLabel('Payload filter (JSON, optional)').fill('{"data.currency": "eur"}');

    // And tests a filter the sample order.paid (in usd) fails, then one it passes
    await page.getByLabel('Test against a sample').selectOption('order.paid');
    await page.getByRole('button', { name: 'Test the filter' }).click();
    const verdict = page.getByTestId('filter-verdict');
    await verdict.waitFor();
    await expect(verdict.textContent()).resolves.toMatch(/^No match: .*data\.currency/);
    await page
      .getByLabel('Payload filter (JSON, optional)')
      .fill('{"data.amount": {"$gte": 1000}}');
    await page.getByRole('button', { name: 'Test the filter' }).click();
    await page.getByText('Match: this event would be sent.').waitFor();
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-endpoint-new');

    // And creates the endpoint
    await page.getByRole('button', { name: 'Create endpoint' }).click();

    // Then its signing secret is shown, with a link to the endpoint
    const shownSecret = page.getByTestId('endpoint-secret');
    await shownSecret.waitFor();
    const createdSecret = await shownSecret.textContent();
    expect(createdSecret).toMatch(/^whsec_/);
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-endpoint-created');
    await page.getByRole('link', { name: 'Open the endpoint' }).click();
    await page.waitForURL(/\/portal\/endpoints\/[0-9a-f-]{36}$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(url);
    await expect(page.getByTestId('circuit').getAttribute('data-circuit')).resolves.toBe('closed');
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-endpoint-detail');

    // And "Reveal secret" shows the same secret on the endpoint's page
    await page.getByRole('button', { name: 'Reveal secret' }).click();
    const current = page.getByTestId('current-secret');
    await current.waitFor();
    const secret = (await current.textContent()) ?? '';
    expect(secret).toBe(createdSecret);
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-endpoint-secret');

    // When the partner sends an example order.paid
    const messageId = await sendExample(page, 'order.paid');
    expect(messageId).toMatch(/^msg_/);

    // Then the receiver gets it, signed with the secret the page revealed
    const delivered = await waitFor('the example at the receiver', () =>
      receiver.requestsTo(HOOK).find((r) => r.body.includes('"order.paid"')),
    );
    const event = new Webhook(secret).verify(
      delivered.body,
      delivered.headers as Record<string, string>,
    ) as { type: string; subject: string };
    expect(event).toMatchObject({ type: 'order.paid', subject: 'example' });

    // When the receiver goes down and two more examples are sent
    receiver.always(HOOK, { kind: 'status', status: 503 });
    const failingFrom = receiver.requestsTo(HOOK).length;
    await sendExample(page, 'order.paid');
    await sendExample(page, 'order.created');

    // Then after BREAKER_THRESHOLD failed attempts the page shows the circuit open, until a time
    await waitFor(
      'the failed attempts',
      () => receiver.requestsTo(HOOK).length >= failingFrom + BREAKER_THRESHOLD,
    );
    await waitFor(
      'the circuit open on the page',
      async () => {
        await page.reload();
        return (await page.getByTestId('circuit').getAttribute('data-circuit')) === 'open';
      },
      { intervalMs: 250 },
    );
    await expect(page.getByTestId('circuit').textContent()).resolves.toMatch(
      /open\s+until \d{4}-\d\d-\d\dT/,
    );
    await expectAccessible(page);
    await saveScreenshot(page, 'portal-endpoint-circuit-open');
  });
});
