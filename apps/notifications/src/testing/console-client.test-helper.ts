import { ADMIN_TOKEN, type NotificationsTestApp } from './notifications-app.test-helper';

/**
 * The console seen from a test over plain HTTP: a client with a browser's cookie jar, and what a
 * browser reads from the pages (the CSRF field, what is shown once, cookie attributes).
 */
/** What a page answered, with the cookies it set (the raw Set-Cookie lines, by name). */
export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly html: string;
  readonly setCookies: ReadonlyMap<string, string>;
}

/**
 * One browser: a cookie jar filled from Set-Cookie and sent back on every request, redirects
 * left for the test to see. Cookies are kept whatever their Secure flag (the test talks HTTP).
 */
export class ConsoleClient {
  private readonly jar = new Map<string, string>();

  constructor(private readonly baseUrl: string) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.send('GET', path, undefined, headers);
  }

  /** Posts an HTML form (application/x-www-form-urlencoded); URLSearchParams for repeated fields. */
  post(
    path: string,
    form: Record<string, string> | URLSearchParams,
    headers: Record<string, string> = {},
  ) {
    return this.send('POST', path, new URLSearchParams(form), headers);
  }

  /**
   * Follows a portal link as a partner does: opens its page (which spends nothing), then
   * presses its button. Answers the button's answer, or the page's when it has no button.
   */
  async enter(link: string, headers: Record<string, string> = {}): Promise<Answer> {
    const page = await this.get(link);
    const token = /name="token" value="([^"]+)"/.exec(page.html)?.[1];
    if (page.status !== 200 || !token) return page;
    return this.post('/portal/enter', { token }, headers);
  }

  cookie(name: string): string | undefined {
    return this.jar.get(name);
  }

  private async send(
    method: string,
    path: string,
    body: URLSearchParams | undefined,
    headers: Record<string, string>,
  ): Promise<Answer> {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(body ? { body } : {}),
    });
    const setCookies = new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      setCookies.set(name, line);
      if (value === '' || /;\s*max-age=0\b/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return { status: res.status, headers: res.headers, html: await res.text(), setCookies };
  }
}

/** The hidden `_csrf` field of the page's first form, as a browser would post it back. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error(`no _csrf field in the page:\n${html}`);
  return match[1];
}

/** The text of an element marked `data-testid`, for what a page shows once. */
export function shownOnce(html: string, testId: string): string | undefined {
  return new RegExp(`data-testid="${testId}">([^<]*)<`).exec(html)?.[1]?.replace(/&amp;/g, '&');
}

/** The attributes of a Set-Cookie line, lowercased, without the name and value. */
export function attributesOf(setCookie: string | undefined): string[] {
  return (setCookie ?? '')
    .split(';')
    .slice(1)
    .map((a) => a.trim().toLowerCase());
}

/** A partner's client, in its portal through a fresh link issued by the admin API. */
export async function enterPortal(
  app: NotificationsTestApp,
  partnerId: string,
  capability: 'read' | 'manage' = 'manage',
): Promise<ConsoleClient> {
  const link = await app.api(ADMIN_TOKEN, 'POST', `/v1/partners/${partnerId}/portal-links`, {
    capability,
  });
  const client = new ConsoleClient(app.url);
  const entered = await client.enter(link.body['url'] as string);
  if (entered.status !== 303) throw new Error(`the portal link let nobody in: ${entered.status}`);
  return client;
}
