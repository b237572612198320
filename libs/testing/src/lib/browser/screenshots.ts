import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

const root = path.resolve(__dirname, '../../../../..');

/**
 * Saves a full-page PNG of the page, to look at after a run: under .local/screenshots, which CI
 * keeps as an artifact (SCREENSHOTS_DIR overrides the folder). Answers the file's path.
 */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  const dir = process.env['SCREENSHOTS_DIR'] || path.join(root, '.local/screenshots');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${screenshotName(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** A test's name as a file name: lower case letters, digits and single dashes only. */
export function screenshotName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'screenshot'
  );
}
