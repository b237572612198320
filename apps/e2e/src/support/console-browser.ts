import {
  accessibilityViolations,
  type Browser,
  type BrowserContext,
  formatViolations,
  type Page,
  waitFor,
} from '@switchyard/testing';

/** The operator the console tests' services create at first run (CONSOLE_BOOTSTRAP_*). */
export const CONSOLE_OPERATOR = {
  email: 'ops@example.com',
  password: 'correct horse battery staple',
} as const;

/** The settings that make a service create CONSOLE_OPERATOR at its first start. */
export const CONSOLE_OPERATOR_ENV = {
  CONSOLE_BOOTSTRAP_EMAIL: CONSOLE_OPERATOR.email,
  CONSOLE_BOOTSTRAP_PASSWORD: CONSOLE_OPERATOR.password,
} as const;

/** Pages must not block anyone: no serious or critical axe violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const violations = await accessibilityViolations(page);
  expect(formatViolations(violations)).toBe(formatViolations([]));
}

/** Signs CONSOLE_OPERATOR in through the sign-in form, as a person does, and waits for the overview. */
export async function signInOperator(page: Page): Promise<void> {
  await page.goto('/console/sign-in');
  await page.getByLabel('Email').fill(CONSOLE_OPERATOR.email);
  await page.getByLabel('Password').fill(CONSOLE_OPERATOR.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console$/);
}

/** A browser context of its own at `baseURL`, CONSOLE_OPERATOR signed in there. */
export async function signedInOperator(browser: Browser, baseURL: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL });
  await signInOperator(await context.newPage());
  return context;
}

/**
 * Reloads a portal message page until its newest attempt succeeded (attempts are listed newest
 * first), for up to `timeoutMs`.
 */
export async function waitForNewestAttemptToSucceed(page: Page, timeoutMs: number): Promise<void> {
  await waitFor(
    'the newest attempt to succeed',
    async () => {
      await page.reload();
      const outcome = await page.locator('[data-attempt]').first().getAttribute('data-outcome');
      return outcome === 'succeeded' || undefined;
    },
    { timeoutMs, intervalMs: 300 },
  );
}

/**
 * Follows a portal link as a partner does: its page says whose portal it opens (and spends
 * nothing), the button enters, and the portal opens at /portal.
 */
export async function enterPortal(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByRole('button', { name: 'Enter the portal' }).click();
  await page.waitForURL(/\/portal$/);
}
