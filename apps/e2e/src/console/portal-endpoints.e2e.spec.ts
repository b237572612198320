import {
  type Browser,
  launchChromium,
  type Page,
  saveScreenshot,
  ScriptedReceiver,
  waitFor,
} from '@switchyard/testing';
import { Webhook } from 'standardwebhooks';
import {
  expectAccessible,
  waitForNewestAttemptToSucceed,
  enterPortal,
} from '../support/console-browser';
import {
  type ConsoleNotifications,
  createPartner,
  issuePortalLink,
  startConsoleNotifications,
} from '../support/console-stack';

const PORT = 4144;
const BREAKER_THRESHOLD = 2;
const BREAKER_COOLDOWN_MS = 5000;
const HOOK = '/gamma-hooks';

describe("a partner's endpoint set up in the portal, in a real browser (notifications as a process, real Postgres and Kafka)", () => {
  let stack: ConsoleNotifications;
  let browser: Browser;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    receiver = new ScriptedReceiver();
    await receiver.start();
    stack = await startConsoleNotifications('e2e_portal_endpoints', PORT, {
      DELIVERY_POLL_MS: '100',
      // Two failures in a row open the circuit, long enough to see it open on the page and
      // short enough that the probe after it goes within the test
      DELIVERY_BREAKER_THRESHOLD: String(BREAKER_THRESHOLD),
      DELIVERY_BREAKER_COOLDOWN_MS: String(BREAKER_COOLDOWN_MS),
      // One attempt each: a refused example is failed at once, for the partner to resend
      DELIVERY_RETRY_SCHEDULE: '0',
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.stop();
  });

  /** A partner made through the admin API, and a portal link (manage) issued for it there. */
  async function partnerLink(name: string): Promise<string> {
    return issuePortalLink(stack, (await createPartner(stack, name)).id);
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

  it('creates an endpoint, tests its filter live, receives a signed example, shows its circuit open when the receiver fails, and delivers the resent message once it recovers', async () => {
    // Given a partner entering its portal with a link issued through the admin API
    const page = await (await browser.newContext({ baseURL: stack.notifications.url })).newPage();
    await enterPortal(page, await partnerLink('Gamma Goods'));

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
    const endpointPage = page.url();
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
    const failedId = await sendExample(page, 'order.paid');
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
    const openUntil = Date.parse(
      (await page.getByTestId('circuit').locator('time').first().getAttribute('datetime')) ?? '',
    );

    // When the receiver recovers and the partner resends the failed order.paid from its message page
    receiver.always(HOOK, { kind: 'status', status: 204 });
    const recoveredFrom = receiver.requestsTo(HOOK).length;
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.waitForURL(/\/portal\/messages$/);
    await page.locator(`tr[data-message="${failedId}"] a`).click();
    await page.waitForURL(new RegExp(`/portal/messages/${failedId}$`));
    await expect(page.locator('td[data-status]').textContent()).resolves.toBe('failed');
    await page.getByRole('button', { name: `Resend to ${url}` }).click();
    await page.waitForURL(/\?resent=1$/);
    await page.getByTestId('resent').waitFor();

    // Then, once the cool-down is over, the circuit's probe delivers it: a new successful attempt
    await waitForNewestAttemptToSucceed(page, BREAKER_COOLDOWN_MS + 20_000);
    await expect(page.getByTestId('status-code').allTextContents()).resolves.toEqual([
      '204',
      '503',
    ]);
    await expect(page.locator('td[data-status]').textContent()).resolves.toBe('succeeded');
    await expectAccessible(page);

    // And the receiver got that message again, not before the cool-down ended, signed with the endpoint's secret
    const redelivered = receiver
      .requestsTo(HOOK)
      .slice(recoveredFrom)
      .filter((r) => r.headers['webhook-id'] === failedId);
    expect(redelivered).toHaveLength(1);
    const [again] = redelivered;
    if (!again) throw new Error('the resent message did not reach the receiver');
    expect(again.at).toBeGreaterThanOrEqual(openUntil);
    expect(
      new Webhook(secret).verify(again.body, again.headers as Record<string, string>),
    ).toMatchObject({ type: 'order.paid', subject: 'example' });

    // And the endpoint's circuit is closed again
    await page.goto(endpointPage);
    await expect(page.getByTestId('circuit').getAttribute('data-circuit')).resolves.toBe('closed');
  });
});
