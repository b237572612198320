import {
  type Browser,
  type BrowserContext,
  launchChromium,
  type Page,
  saveScreenshot,
  ScriptedReceiver,
  waitFor,
} from '@switchyard/testing';
import { expectAccessible, signedInOperator } from '../support/console-browser';
import {
  cancelledOrder,
  type ConsoleNotifications,
  partnerMessages,
  partnerWithEndpoint,
  startConsoleNotifications,
} from '../support/console-stack';

const HOOK = '/epsilon-hooks';
const OTHER_HOOK = '/zeta-hooks';
const DOWN = { kind: 'status', status: 503, body: 'warehouse offline' } as const;
const ORDERS = 3;

/** The webhook-id of each request the receiver got at `path`, from the `from`-th on. */
function webhookIds(receiver: ScriptedReceiver, path: string, from = 0): string[] {
  return receiver
    .requestsTo(path)
    .slice(from)
    .map((r) => String(r.headers['webhook-id']))
    .sort();
}

describe("the operator's bulk replays in a real browser (notifications as a process, real Postgres and Kafka)", () => {
  let stack: ConsoleNotifications;
  let receiver: ScriptedReceiver;
  let browser: Browser;
  let operator: BrowserContext;
  let apiKey: string;

  /** Fills the replay form for deliveries that failed, created in the last day, and counts them. */
  async function dryRun(page: Page, partner: string): Promise<string> {
    await page.goto('/console/replays');
    // The form offers up to the current minute: what was created in it would be left out
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    await page.getByLabel('Until (UTC)').fill(inAnHour);
    await page.getByLabel('failed', { exact: true }).check();
    await page.getByLabel('succeeded', { exact: true }).uncheck();
    await page.getByLabel('Partner').selectOption({ label: partner });
    await page.getByRole('button', { name: 'Count matching deliveries' }).click();
    const matched = page.getByTestId('matched');
    await matched.waitFor();
    return (await matched.textContent()) ?? '';
  }

  beforeAll(async () => {
    receiver = new ScriptedReceiver();
    await receiver.start();
    receiver.always(HOOK, DOWN);
    receiver.always(OTHER_HOOK, DOWN);
    stack = await startConsoleNotifications('e2e_console_replays', 4150, {
      DELIVERY_POLL_MS: '100',
      // One attempt: a refused delivery is failed at once
      DELIVERY_RETRY_SCHEDULE: '0',
      // The circuit stays shut, so every order is tried and fails
      DELIVERY_BREAKER_THRESHOLD: '1000',
    });
    const epsilon = await partnerWithEndpoint(stack, 'Epsilon Supplies', {
      url: receiver.url(HOOK),
      eventTypes: ['order.cancelled'],
    });
    apiKey = epsilon.apiKey;
    await partnerWithEndpoint(stack, 'Zeta Wholesale', {
      url: receiver.url(OTHER_HOOK),
      eventTypes: ['order.cancelled'],
    });
    browser = await launchChromium();
    operator = await signedInOperator(browser, stack.notifications.url);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.stop();
  });

  it("replays a partner's failed deliveries once its receiver recovers: the dry run counts them, the job ends done, each goes again", async () => {
    // Given orders cancelled while both partners' receivers answer 503, every delivery failed
    for (let i = 0; i < ORDERS; i += 1) await stack.publishOrderEvent(cancelledOrder('replays'));
    await waitFor(
      "Epsilon's deliveries to fail",
      async () => {
        const messages = await partnerMessages(stack, apiKey, 'order.cancelled');
        const failed = messages.filter((m) => m.deliveries[0]?.status === 'failed');
        return failed.length === ORDERS || undefined;
      },
      { timeoutMs: 60_000 },
    );
    await waitFor('Zeta to be tried for each order', () =>
      receiver.requestsTo(OTHER_HOOK).length === ORDERS ? true : undefined,
    );
    const failedIds = webhookIds(receiver, HOOK);
    expect(new Set(failedIds).size).toBe(ORDERS);

    // And Epsilon's receiver recovers
    receiver.always(HOOK, { kind: 'status', status: 204 });
    const recoveredFrom = receiver.requestsTo(HOOK).length;
    const zetaTried = receiver.requestsTo(OTHER_HOOK).length;

    // When the operator opens Replays, picks Epsilon and failed deliveries, and counts
    const page = await operator.newPage();
    await page.goto('/console');
    await page.getByRole('link', { name: 'Replays' }).click();
    await page.waitForURL(/\/console\/replays$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Replays');
    await expectAccessible(page);

    // Then the dry run matches exactly Epsilon's failed deliveries
    await expect(dryRun(page, 'Epsilon Supplies')).resolves.toBe(String(ORDERS));
    await expectAccessible(page);
    await saveScreenshot(page, 'console-replays');

    // When they start the replay
    await page.getByRole('button', { name: `Replay ${ORDERS} deliveries` }).click();
    await page.waitForURL(/\/console\/replays\/[0-9a-f-]{36}$/);

    // Then the job page follows its progress until it is done, every delivery made due again
    await waitFor(
      'the job to be done',
      async () => (await page.getByTestId('job-state').textContent()) === 'done' || undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    await expect(page.getByTestId('job-replayed').textContent()).resolves.toBe(String(ORDERS));
    await expect(page.locator('#job-progress').getAttribute('value')).resolves.toBe('100');
    await expectAccessible(page);
    await saveScreenshot(page, 'console-replay-job');

    // And Epsilon's receiver gets each failed message again, and only those
    await waitFor('each failed message again', () =>
      receiver.requestsTo(HOOK).length - recoveredFrom >= ORDERS ? true : undefined,
    );
    expect(webhookIds(receiver, HOOK, recoveredFrom)).toEqual(failedIds);
    await waitFor(
      "Epsilon's deliveries to succeed",
      async () =>
        (await partnerMessages(stack, apiKey, 'order.cancelled')).every(
          (m) => m.deliveries[0]?.status === 'succeeded',
        ) || undefined,
      { timeoutMs: 20_000 },
    );

    // And a second dry run for Epsilon matches nothing, while Zeta's failed deliveries were left alone
    await expect(dryRun(page, 'Epsilon Supplies')).resolves.toBe('0');
    await expect(
      page.getByRole('button', { name: 'Replay 0 deliveries' }).isDisabled(),
    ).resolves.toBe(true);
    await expect(dryRun(page, 'Zeta Wholesale')).resolves.toBe(String(ORDERS));
    expect(receiver.requestsTo(OTHER_HOOK)).toHaveLength(zetaTried);
  });
});
