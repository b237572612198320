import { existsSync } from 'node:fs';
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

export type { Browser, BrowserContext, Page } from 'playwright-core';

/** Debian's package installs `/usr/bin/chromium`; Ubuntu's older one `/usr/bin/chromium-browser`. */
const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Thrown instead of skipping the browser tests: a machine without the browser must fail them,
 * and say how to install it, or a console that no longer renders would pass unnoticed.
 */
export class BrowserNotInstalledError extends Error {
  constructor(readonly looked: readonly string[]) {
    super(
      `Chromium was not found (looked at ${looked.join(', ')}). ` +
        'Fix: apt-get install chromium, or set CHROMIUM_PATH to a Chromium executable ' +
        '(.ci/run installs it).',
    );
    this.name = 'BrowserNotInstalledError';
  }
}

/**
 * The system's Chromium: CHROMIUM_PATH when set (and then only it, so a wrong value is reported
 * rather than silently replaced), else the first of the usual system paths that exists.
 */
export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env['CHROMIUM_PATH'] ? [env['CHROMIUM_PATH']] : SYSTEM_CHROMIUMS;
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new BrowserNotInstalledError(candidates);
  return found;
}

/**
 * Launches the system's Chromium, headless, through playwright-core (which never downloads a
 * browser of its own). The flags let it run as root in a container: no sandbox (it needs user
 * namespaces), /tmp instead of a small /dev/shm, and no GPU.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    ...options,
    executablePath: chromiumExecutable(),
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu', ...(options.args ?? [])],
  });
}
