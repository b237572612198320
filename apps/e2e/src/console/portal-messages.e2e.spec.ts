import { type DomainEvent } from '@switchyard/contracts';
import {
  type Browser,
  launchChromium,
  type Page,
  saveScreenshot,
  ScriptedReceiver,
  waitFor,
} from '@switchyard/testing';
import {
  expectAccessible,
  waitForNewestAttemptToSucceed,
  enterPortal,
} from '../support/console-browser';
import {
  cancelledOrder,
  type ConsoleNotifications,
  issuePortalLink,
  type LoggedMessage,
  partnerMessages,
  partnerWithEndpoint,
  startConsoleNotifications,
} from '../support/console-stack';

const HOOKS = '/hooks';
const DOWN = { kind: 'status', status: 503, body: 'down for maintenance' } as const;
const UP = { kind: 'status', status: 204 } as const;

describe("a partner's messages in its portal (notifications as a process, real Postgres and Kafka, Chromium)", () => {
  let stack: ConsoleNotifications;
  let receiver: ScriptedReceiver;
  let browser: Browser;
  let page: Page;
  let apiKey: string;
  let events: DomainEvent[];
  let startedAt: Date;

  /** The partner's messages as its API lists them. */
  function messagesOf(): Promise<LoggedMessage[]> {
    return partnerMessages(stack, apiKey, 'order.cancelled');
  }

  async function publishOrder(): Promise<DomainEvent> {
    const event = cancelledOrder('out of stock');
    await stack.publishOrderEvent(event);
    return event;
  }

  beforeAll(async () => {
    receiver = new ScriptedReceiver();
    await receiver.start();
    stack = await startConsoleNotifications('e2e_portal_messages', 4145, {
      DELIVERY_RETRY_SCHEDULE: '0,200ms,400ms',
      DELIVERY_POLL_MS: '100',
      // The circuit stays shut, so each failed delivery has all its attempts in the log
      DELIVERY_BREAKER_THRESHOLD: '100',
    });
    browser = await launchChromium();
    page = await (await browser.newContext({ baseURL: stack.notifications.url })).newPage();

    // Given a partner whose receiver is down while three orders are cancelled
    const partner = await partnerWithEndpoint(stack, 'Gamma Parcels', {
      url: receiver.url(HOOKS),
      eventTypes: ['order.cancelled'],
    });
    apiKey = partner.apiKey;
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
    await enterPortal(page, await issuePortalLink(stack, partner.partnerId));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.stop();
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
    await waitForNewestAttemptToSucceed(page, 20_000);
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
