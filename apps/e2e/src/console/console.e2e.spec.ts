import {
  type Browser,
  type BrowserContext,
  launchChromium,
  LoopbackHttpServer,
  type Page,
  saveScreenshot,
} from '@switchyard/testing';
import { CONSOLE_OPERATOR, expectAccessible, enterPortal } from '../support/console-browser';
import {
  type ConsoleNotifications,
  issuePortalLink,
  partnerWithEndpoint,
  startConsoleNotifications,
} from '../support/console-stack';

describe('the console in a real browser (notifications as a process, real Postgres and Kafka, Debian Chromium)', () => {
  let stack: ConsoleNotifications;
  let browser: Browser;
  let operator: BrowserContext;
  const partnerContexts: BrowserContext[] = [];

  beforeAll(async () => {
    stack = await startConsoleNotifications('e2e_console', 4143);
    browser = await launchChromium();
    operator = await browser.newContext({ baseURL: stack.notifications.url });
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A browser of the partner's own: it shares no cookie with the operator's. */
  async function partnerBrowser(): Promise<Page> {
    const context = await browser.newContext({ baseURL: stack.notifications.url });
    partnerContexts.push(context);
    return context.newPage();
  }

  /** A partner, its endpoint, and a portal link for it, made through the admin and partner APIs. */
  async function partnerWithLink(
    name: string,
    url: string,
  ): Promise<{ endpointId: string; link: string }> {
    const partner = await partnerWithEndpoint(stack, name, { url, eventTypes: ['order.paid'] });
    return {
      endpointId: partner.endpointId,
      link: await issuePortalLink(stack, partner.partnerId),
    };
  }

  it('sends an operator to sign in, then shows the overview', async () => {
    // Given an operator created at first run, not signed in
    const page = await operator.newPage();

    // When they open the console
    await page.goto('/console');

    // Then they are asked to sign in, and once signed in they see the overview
    await page.waitForURL(/\/console\/sign-in\?next=%2Fconsole$/);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-sign-in');
    await page.getByLabel('Email').fill(CONSOLE_OPERATOR.email);
    await page.getByLabel('Password').fill(CONSOLE_OPERATOR.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console$/);
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Overview');
    await expect(page.getByText(CONSOLE_OPERATOR.email).count()).resolves.toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-overview');
  });

  it('adds a partner and shows its API key once, without leaving the page', async () => {
    // Given the signed-in operator on the partners page
    const page = await operator.newPage();
    await page.goto('/console/partners');

    // When they add a partner
    const posted = page.waitForRequest(
      (r) => r.method() === 'POST' && r.url().endsWith('/console/partners'),
    );
    await page.getByLabel('New partner').fill('Acme Logistics');
    await page.getByRole('button', { name: 'Add partner' }).click();
    // htmx sent it (it runs under the page's Content-Security-Policy), with the CSRF header
    const request = await posted;
    expect(request.headers()['hx-request']).toBe('true');
    expect(request.headers()['x-csrf-token']).toMatch(/^syc_/);

    // Then the key is shown (htmx swapped the page's main part in) and the partner is listed
    const apiKey = page.getByTestId('api-key');
    await apiKey.waitFor();
    await expect(apiKey.textContent()).resolves.toMatch(/^sy_[\w-]{43}$/);
    await expect(page.locator('tr[data-partner="Acme Logistics"]').count()).resolves.toBe(1);
    await expectAccessible(page);
    await saveScreenshot(page, 'console-partners');

    // And a reload shows the partner but not the key again
    await page.reload();
    await expect(page.getByTestId('api-key').count()).resolves.toBe(0);
    await expect(page.locator('tr[data-partner="Acme Logistics"]').count()).resolves.toBe(1);
  });

  it('issues a portal link that lets the partner in once, and takes the token out of the address', async () => {
    // Given a partner with an endpoint, and the operator on the partners page
    const { endpointId } = await partnerWithLink('Beta Freight', 'http://127.0.0.1:9/beta-hooks');
    const page = await operator.newPage();
    await page.goto('/console/partners');

    // When the operator issues a link for it
    const row = page.locator('tr[data-partner="Beta Freight"]');
    await row.getByLabel('Access', { exact: true }).selectOption('manage');
    await row.getByRole('button', { name: 'Issue link' }).click();
    const shown = page.getByTestId('portal-link');
    await shown.waitFor();
    const link = (await shown.textContent()) ?? '';
    expect(link).toMatch(/\/portal\/enter\?token=syp_[\w-]{43}$/);

    // Then the partner's browser gets in with it, and the token is no longer in the address
    const partner = await partnerBrowser();
    await partner.goto(link);
    await expect(partner.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Portal of Beta Freight',
    );
    await expectAccessible(partner);
    await saveScreenshot(partner, 'portal-enter');
    await partner.getByRole('button', { name: 'Enter the portal' }).click();
    await partner.waitForURL(/\/portal$/);
    expect(partner.url()).not.toContain('token');
    await expect(partner.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
      'Your endpoints',
    );
    await expectAccessible(partner);
    await saveScreenshot(partner, 'portal-endpoints');
    await partner.getByRole('link', { name: 'http://127.0.0.1:9/beta-hooks' }).click();
    await partner.waitForURL(new RegExp(`/portal/endpoints/${endpointId}$`));
    await expect(partner.getByText(endpointId).count()).resolves.toBe(1);
    await expectAccessible(partner);
    await saveScreenshot(partner, 'portal-endpoint');

    // And the same link opened again, in another browser, lets nobody in
    const again = await partnerBrowser();
    const answer = await again.goto(link);
    expect(answer?.status()).toBe(410);
    await expect(again.getByRole('alert').textContent()).resolves.toContain('used already');
    await expectAccessible(again);
    await saveScreenshot(again, 'portal-link-used');
  });

  it('lets a partner in from a link on another site, and takes a signed-in operator to the page linked', async () => {
    // Given a page of another site (localhost, not 127.0.0.1) linking to a portal link and to
    // a console page, as a mail or a chat does: SameSite=Strict cookies do not follow such links
    const { link } = await partnerWithLink('Delta Post', 'http://127.0.0.1:9/delta-hooks');
    const elsewhere = new LoopbackHttpServer((_, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!doctype html><html lang="en"><title>Mail</title><a href="${link}">Open your portal</a> ` +
            `<a href="${stack.notifications.url}/console/partners">Partners</a></html>`,
        );
    });
    const mail = (await elsewhere.start()).replace('127.0.0.1', 'localhost');
    try {
      // When the partner follows the link from there and enters
      const partner = await partnerBrowser();
      await partner.goto(mail);
      await partner.getByRole('link', { name: 'Open your portal' }).click();
      await partner.getByRole('button', { name: 'Enter the portal' }).click();

      // Then the portal opens
      await partner.waitForURL(/\/portal$/);
      await expect(partner.getByRole('heading', { level: 1 }).textContent()).resolves.toBe(
        'Your endpoints',
      );

      // And a signed-in operator following the other link lands on it, not on the sign-in page
      const page = await operator.newPage();
      await page.goto(mail);
      await page.getByRole('link', { name: 'Partners' }).click();
      await page.waitForURL(/\/console\/partners$/);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Partners');
    } finally {
      await elsewhere.stop();
    }
  });

  it("shows partner B nothing of partner A's: its pages and the operator's are not found", async () => {
    // Given two partners, each with an endpoint, and B signed in through its link
    const a = await partnerWithLink('Partner A', 'http://127.0.0.1:9/a-hooks');
    const b = await partnerWithLink('Partner B', 'http://127.0.0.1:9/b-hooks');
    const partnerB = await partnerBrowser();
    await enterPortal(partnerB, b.link);

    // Then B's list holds its own endpoint only
    await expect(
      partnerB.getByRole('link', { name: 'http://127.0.0.1:9/b-hooks' }).count(),
    ).resolves.toBe(1);
    await expect(partnerB.getByText('a-hooks').count()).resolves.toBe(0);

    // And A's endpoint page, and the operator's pages, are not found for B
    for (const path of [`/portal/endpoints/${a.endpointId}`, '/console', '/console/partners']) {
      const answer = await partnerB.goto(path);
      expect({ path, status: answer?.status() }).toEqual({ path, status: 404 });
      await expect(partnerB.getByText('a-hooks').count()).resolves.toBe(0);
    }
    await saveScreenshot(partnerB, 'portal-not-found');
  });

  it('refuses a form posted without the CSRF token, and adds nothing', async () => {
    // Given the signed-in operator (their cookie goes with the request)
    const page = await operator.newPage();
    await page.goto('/console/partners');

    // When a form is posted to the console without the page's CSRF token
    const answer = await page.request.post('/console/partners', { form: { name: 'Forged Ltd' } });

    // Then it is refused, and no partner was added
    expect(answer.status()).toBe(403);
    expect(await answer.text()).toContain('csrf_token_invalid');
    await page.reload();
    await expect(page.locator('tr[data-partner="Forged Ltd"]').count()).resolves.toBe(0);
  });
});
