import {
  type Browser,
  type BrowserContext,
  launchChromium,
  paymentIntentSucceededEvent,
  saveScreenshot,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  CONSOLE_OPERATOR_ENV,
  expectAccessible,
  signedInOperator,
} from '../support/console-browser';
import { type E2eStack, sendStripeEvent, startE2eStack } from '../support/e2e-stack';

describe("the operator's Stripe events and event catalog, in Chromium (the three services as processes)", () => {
  let stack: E2eStack;
  let browser: Browser;
  let operator: BrowserContext;

  beforeAll(async () => {
    stack = await startE2eStack(
      'e2e_console_stripe',
      { orders: 4147, payments: 4148, notifications: 4149 },
      {
        ...CONSOLE_OPERATOR_ENV,
        PAYMENTS_URL: 'http://127.0.0.1:4148',
        ORDERS_URL: 'http://127.0.0.1:4147',
      },
    );
    browser = await launchChromium();
    operator = await signedInOperator(browser, stack.notifications.url);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('finds a Stripe event by its id and by its order, and processes it again', async () => {
    // Given a Stripe event payments received for an order
    const orderId = randomUUID();
    const event = paymentIntentSucceededEvent({ orderId, amount: 4200, currency: 'eur' });
    expect((await sendStripeEvent(stack, JSON.stringify(event))).status).toBe(200);
    const page = await operator.newPage();

    // When the operator searches for the order
    await page.goto('/console/stripe-events');
    await page.getByLabel('Event or order id').fill(orderId);
    await page.getByRole('button', { name: 'Search' }).click();

    // Then its event is listed, and nothing else
    const rows = page.locator('tr[data-stripe-event]');
    await rows.first().waitFor();
    await expect(
      rows.evaluateAll((r) => r.map((x) => x.getAttribute('data-stripe-event'))),
    ).resolves.toEqual([event.id]);
    expect(new URL(page.url()).searchParams.get('q')).toBe(orderId);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-stripe-events');

    // And searching its evt_ id opens the same event, processed
    await page.getByLabel('Event or order id').fill(event.id);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL((url) => url.searchParams.get('q') === event.id);
    await page.getByRole('link', { name: event.id }).click();
    await page.waitForURL(new RegExp(`/console/stripe-events/${event.id}$`));
    await expect(page.getByTestId('stripe-event-status').textContent()).resolves.toMatch(
      /processed|received/,
    );
    await expectAccessible(page);
    await saveScreenshot(page, 'console-stripe-event');

    // When the operator has it processed again
    await page.getByRole('button', { name: 'Process again' }).click();

    // Then payments queues it, and it is processed again
    await page.getByTestId('replayed').waitFor();
    await waitFor('the event to be processed again', async () => {
      await page.reload();
      return (await page.getByTestId('stripe-event-status').textContent()) === 'processed';
    });
  });

  it('says so when no Stripe event matches, and when an id is unknown', async () => {
    const page = await operator.newPage();

    await page.goto('/console/stripe-events?q=evt_doesnotexist');
    await page.getByTestId('no-stripe-events').waitFor();

    const answer = await page.goto('/console/stripe-events/evt_doesnotexist');
    expect(answer?.status()).toBe(404);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('evt_doesnotexist');
  });

  it("shows Stripe's signature failures and every service's figures on the overview", async () => {
    // Given a webhook whose signature does not match, refused by payments
    const forged = await fetch(`${stack.payments.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
      body: JSON.stringify(
        paymentIntentSucceededEvent({ orderId: randomUUID(), amount: 100, currency: 'eur' }),
      ),
    });
    expect(forged.status).toBe(400);
    const page = await operator.newPage();

    // When the operator opens the overview
    await page.goto('/console');

    // Then payments' refusal is counted, and each service's metrics were read
    const failures = Number(
      await page.locator('[data-figure="stripe-signature-failures"]').textContent(),
    );
    expect(failures).toBeGreaterThanOrEqual(1);
    for (const service of ['orders', 'payments', 'notifications']) {
      const row = page.locator(`tr[data-service="${service}"] td`);
      await expect(row.count()).resolves.toBe(3);
    }
    await expectAccessible(page);
    await saveScreenshot(page, 'console-overview-services');
  });

  it('shows the event catalog with every type and its fields', async () => {
    const page = await operator.newPage();

    await page.goto('/console/catalog');

    await expect(page.locator('section[data-event-type]').count()).resolves.toBeGreaterThanOrEqual(
      10,
    );
    await expect(
      page.locator('section[data-event-type="order.paid"] td.mono').allTextContents(),
    ).resolves.toEqual(expect.arrayContaining(['orderId', 'amount', 'currency']));
    await expectAccessible(page);
    await saveScreenshot(page, 'console-catalog');
  });
});
