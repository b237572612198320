import axe from 'axe-core';
import type { Page } from 'playwright-core';

export type Impact = 'minor' | 'moderate' | 'serious' | 'critical';

/** One axe rule a page breaks, as plain data: it crosses from the page and into messages. */
export interface AccessibilityViolation {
  readonly id: string;
  readonly impact: Impact | null;
  readonly help: string;
  readonly helpUrl: string;
  /** Each offending element's CSS selector path (several for elements inside frames). */
  readonly targets: readonly string[][];
}

export interface AccessibilityOptions {
  /** Which impacts count; by default those that block users (serious and critical). */
  readonly impacts?: readonly Impact[];
}

/**
 * The page's accessibility violations, as axe-core finds them in the page as it is now (after
 * its scripts ran). axe's own source is injected, so the page needs no script of its own.
 */
export async function accessibilityViolations(
  page: Page,
  { impacts = ['serious', 'critical'] }: AccessibilityOptions = {},
): Promise<AccessibilityViolation[]> {
  // Evaluated through the DevTools protocol rather than added as a <script>: a page whose
  // Content-Security-Policy allows only its own scripts (the console's) would refuse the tag.
  await page.evaluate(axe.source);
  // Runs in the page, where `axe` is the injected global: only plain data is returned.
  const violations = await page.evaluate(async () => {
    const inPage = (globalThis as unknown as { axe: typeof axe }).axe;
    const results = await inPage.run();
    return results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      helpUrl: violation.helpUrl,
      targets: violation.nodes.map((node) => node.target.map((selector) => String(selector))),
    }));
  });
  return violations.filter((violation) => violation.impact && impacts.includes(violation.impact));
}

/** The violations, one rule a paragraph with its elements, for an assertion's message. */
export function formatViolations(violations: readonly AccessibilityViolation[]): string {
  if (violations.length === 0) return 'no accessibility violations';
  return violations
    .map((violation) =>
      [
        `${violation.impact ?? 'unknown'}: ${violation.id}: ${violation.help} (${violation.helpUrl})`,
        ...violation.targets.map((target) => `  at ${target.join(' >> ')}`),
      ].join('\n'),
    )
    .join('\n');
}
