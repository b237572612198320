import {
  type Browser,
  type BrowserContext,
  launchChromium,
  saveScreenshot,
  ScriptedReceiver,
  waitFor,
} from '@switchyard/testing';
import { CONSOLE_OPERATOR, expectAccessible } from '../support/console-browser';
import {
  cancelledOrder,
  type ConsoleNotifications,
  partnerWithEndpoint,
  startConsoleNotifications,
} from '../support/console-stack';
import { queryDatabase } from '../support/e2e-stack';

interface PartnerBed {
  readonly name: string;
  readonly endpointId: string;
  readonly url: string;
}

describe("the operator's endpoints and messages in a real browser (notifications as a process, real Postgres and Kafka)", () => {
  let stack: ConsoleNotifications;
  let receiver: ScriptedReceiver;
  let browser: Browser;
  let operator: BrowserContext;
  /** Its endpoint answers 503 until it recovers: its circuit opens. */
  let failing: PartnerBed;
  let healthy: PartnerBed;
  let eventId: string;

  async function partnerBed(name: string, path: string): Promise<PartnerBed> {
    const url = receiver.url(path);
    const { endpointId } = await partnerWithEndpoint(stack, name, { url, eventTypes: ['order.*'] });
    return { name, endpointId, url };
  }

  beforeAll(async () => {
    receiver = new ScriptedReceiver();
    await receiver.start();
    receiver.always('/failing', { kind: 'status', status: 503, body: 'maintenance until noon' });
    stack = await startConsoleNotifications('e2e_console_operator', 4146, {
      DELIVERY_BREAKER_THRESHOLD: '2',
      // Open for the whole test unless reset: only the operator closes it.
      DELIVERY_BREAKER_COOLDOWN_MS: '600000',
      // After the second failure the next try is far off: only the reset brings it forward.
      DELIVERY_RETRY_SCHEDULE: '0,200ms,10m,10m',
      DELIVERY_POLL_MS: '100',
    });
    failing = await partnerBed('Gamma Parcels', '/failing');
    healthy = await partnerBed('Delta Couriers', '/healthy');
    browser = await launchChromium();
    operator = await browser.newContext({ baseURL: stack.notifications.url });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await receiver?.stop();
  });

  it('sends the operator to sign in first, then to the endpoints they asked for', async () => {
    // Given the operator created at first run, not signed in
    const page = await operator.newPage();

    // When they open the endpoints and sign in
    await page.goto('/console/endpoints');
    await page.waitForURL(/\/console\/sign-in/);
    await page.getByLabel('Email').fill(CONSOLE_OPERATOR.email);
    await page.getByLabel('Password').fill(CONSOLE_OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Then they are on the endpoints page
    await page.waitForURL(/\/console\/endpoints$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Endpoints');
  });

  it('shows an open circuit, filtered by state, and resets it once the receiver recovers: the delivery then succeeds', async () => {
    // Given an order event that reaches both partners, the first answering 503 until its circuit opens
    const event = cancelledOrder('console e2e');
    eventId = event.id;
    await stack.publishOrderEvent(event);
    await waitFor('two failed requests to the failing receiver', () =>
      receiver.requestsTo('/failing').length >= 2 ? true : undefined,
    );
    await waitFor('the healthy receiver to get the event', () =>
      receiver.requestsTo('/healthy').length >= 1 ? true : undefined,
    );
    // the circuit opens when the second failure is recorded, after the receiver has answered it
    await waitFor('the circuit to be open', async () => {
      const [row] = await queryDatabase<{ open: boolean }>(
        stack,
        'SELECT circuit_open_until IS NOT NULL AS open FROM notifications.endpoints WHERE id = $1',
        [failing.endpointId],
      );
      return row?.open ? true : undefined;
    });

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
    // recorded after the receiver answered: the timeline read later shows it
    await waitFor('the delivery after the reset to be recorded', async () => {
      const [row] = await queryDatabase<{ status: string }>(
        stack,
        'SELECT status FROM notifications.deliveries WHERE endpoint_id = $1 AND event_id = $2',
        [failing.endpointId, eventId],
      );
      return row?.status === 'succeeded' ? true : undefined;
    });
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
      'paused by an operator',
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
