import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoopbackHttpServer } from '../loopback-http-server';
import { accessibilityViolations, formatViolations } from './axe';
import { type Browser, type Page, BrowserNotInstalledError, launchChromium } from './chromium';
import { saveScreenshot } from './screenshots';

const PAGES: Record<string, string> = {
  // Text that exists only once the page's script ran, a frame after load.
  '/rendered': page(
    'Rendered',
    `<main><h1>Console</h1><p id="out">waiting</p></main>
     <script>
       requestAnimationFrame(() => {
         const out = document.getElementById('out');
         out.textContent = 'rendered ' + [1, 2, 3].map((n) => n * 2).join(',');
         out.dataset.ready = 'yes';
       });
     </script>`,
  ),
  // An input nobody can name: screen readers announce only "edit text".
  '/unlabelled': page(
    'Unlabelled',
    '<main><h1>Search</h1><form><input type="text" name="q"></form></main>',
  ),
  '/accessible': page(
    'Accessible',
    `<main><h1>Search</h1>
       <form><label for="q">Customer</label><input id="q" type="text" name="q">
       <button type="submit">Search</button></form>
     </main>`,
  ),
};

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>${body}</body></html>`;
}

describe('a real Chromium driven by the tests', () => {
  const server = new LoopbackHttpServer((req, res) => {
    const html = PAGES[req.url ?? ''];
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html ?? 'not found');
  });
  let browser: Browser;
  let tab: Page;

  beforeAll(async () => {
    await server.start();
    browser = await launchChromium();
  });

  beforeEach(async () => {
    tab = await browser.newPage();
  });

  afterEach(() => tab.close());

  afterAll(async () => {
    await browser?.close();
    await server.stop();
  });

  it('runs the scripts of a page it opens, and shows what they rendered', async () => {
    // Given a page whose text is written by its own script
    // When Chromium opens it
    await tab.goto(`${server.url}/rendered`);

    // Then the text the script rendered is there, once the script says it is done
    await tab.waitForSelector('#out[data-ready="yes"]');
    expect(await tab.textContent('#out')).toBe('rendered 2,4,6');
  });

  it('finds a serious accessibility violation in a page that has one', async () => {
    // Given a page with an input that has no label
    await tab.goto(`${server.url}/unlabelled`);

    // When axe checks it
    const violations = await accessibilityViolations(tab);

    // Then it names the rule broken, how bad it is, and the element
    expect(violations).toContainEqual(
      expect.objectContaining({ id: 'label', impact: 'critical', targets: [['input']] }),
    );
    expect(formatViolations(violations)).toContain('critical: label: ');
    expect(formatViolations(violations)).toContain('  at input');
  });

  it('finds none in an accessible page', async () => {
    // Given a page whose every control has a name
    await tab.goto(`${server.url}/accessible`);

    // When axe checks it, then nothing serious or critical is found
    expect(formatViolations(await accessibilityViolations(tab))).toBe(
      'no accessibility violations',
    );
  });

  it('keeps a screenshot of the page, under .local/screenshots by a file-safe name', async () => {
    // Given a rendered page
    await tab.goto(`${server.url}/rendered`);
    await tab.waitForSelector('#out[data-ready="yes"]');

    // When the test keeps a screenshot of it under a name with spaces and punctuation
    const file = await saveScreenshot(tab, 'Browser harness: Rendered page!');

    // Then a PNG file is there, named in [a-z0-9-]
    const root = path.resolve(__dirname, '../../../../..');
    expect(file).toBe(path.join(root, '.local/screenshots/browser-harness-rendered-page.png'));
    const png = await readFile(file);
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
  });

  it('keeps screenshots in SCREENSHOTS_DIR when set, creating it', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'screenshots-')), 'nested');
    process.env['SCREENSHOTS_DIR'] = dir;
    try {
      await tab.goto(`${server.url}/accessible`);
      expect(await saveScreenshot(tab, 'accessible')).toBe(path.join(dir, 'accessible.png'));
      expect((await readFile(path.join(dir, 'accessible.png'))).length).toBeGreaterThan(8);
    } finally {
      delete process.env['SCREENSHOTS_DIR'];
      await rm(path.dirname(dir), { recursive: true, force: true });
    }
  });

  it('says how to install the browser when it is missing', async () => {
    // Given CHROMIUM_PATH names a file that does not exist
    const previous = process.env['CHROMIUM_PATH'];
    process.env['CHROMIUM_PATH'] = '/nonexistent/chromium';
    try {
      // When a test asks for a browser, then it fails (never skips), saying how to fix it
      const launched = launchChromium();
      await expect(launched).rejects.toBeInstanceOf(BrowserNotInstalledError);
      await expect(launched).rejects.toThrow(
        /\/nonexistent\/chromium.*apt-get install chromium, or set CHROMIUM_PATH/,
      );
    } finally {
      if (previous === undefined) delete process.env['CHROMIUM_PATH'];
      else process.env['CHROMIUM_PATH'] = previous;
    }
  });
});
