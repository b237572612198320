import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { CreateOperatorUseCase } from './auth/create-operator.usecase';
import {
  type Answer,
  attributesOf,
  ConsoleClient,
  csrfOf,
  shownOnce,
} from '../../testing/console-client.test-helper';

const OPERATOR_EMAIL = 'Ops.Lead@Example.com';
const OPERATOR_PASSWORD = 'correct horse battery staple';
const PORTAL_LINK_MINUTES = 20;

describe('the web console: operators and partners in a browser (real Postgres)', () => {
  let t: NotificationsTestApp;

  beforeAll(async () => {
    t = await startNotificationsApp('console', {
      CONSOLE_BOOTSTRAP_EMAIL: OPERATOR_EMAIL,
      CONSOLE_BOOTSTRAP_PASSWORD: OPERATOR_PASSWORD,
      CONSOLE_PORTAL_LINK_MINUTES: String(PORTAL_LINK_MINUTES),
    });
  });

  afterAll(() => t?.close());

  const browser = (app: NotificationsTestApp = t) => new ConsoleClient(app.url);

  /** Opens the sign-in page, fills it in and posts it, as an operator does. */
  async function signIn(
    b: ConsoleClient,
    email = OPERATOR_EMAIL,
    password = OPERATOR_PASSWORD,
    next?: string,
  ): Promise<Answer> {
    const page = await b.get(
      next === undefined ? '/console/sign-in' : `/console/sign-in?next=${encodeURIComponent(next)}`,
    );
    expect(page.status).toBe(200);
    const nextField = /name="next" value="([^"]*)"/.exec(page.html)?.[1] ?? '/console';
    return b.post('/console/sign-in', {
      _csrf: csrfOf(page.html),
      next: next ?? nextField,
      email,
      password,
    });
  }

  async function signedInOperator(): Promise<ConsoleClient> {
    const b = browser();
    expect((await signIn(b)).status).toBe(303);
    return b;
  }

  async function newPartner(name = `Partner ${randomUUID()}`) {
    const res = await t.api(ADMIN_TOKEN, 'POST', '/v1/partners', { name });
    expect(res.status).toBe(201);
    return { id: res.body['id'] as string, apiKey: res.body['apiKey'] as string, name };
  }

  function issueLink(partnerId: string, capability = 'manage', token = ADMIN_TOKEN) {
    return t.api(token, 'POST', `/v1/partners/${partnerId}/portal-links`, { capability });
  }

  /** A partner's browser, signed into its portal through a fresh link from the admin API. */
  async function partnerBrowser(partnerId: string, capability = 'manage'): Promise<ConsoleClient> {
    const link = await issueLink(partnerId, capability);
    const b = browser();
    const entered = await b.enter(link.body['url'] as string);
    expect(entered.status).toBe(303);
    return b;
  }

  async function partnersNamed(name: string): Promise<number> {
    const [row] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM notifications.partners WHERE name = $1',
      [name],
    );
    return row.n;
  }

  describe('signing in', () => {
    it('sends a visitor without a session to the sign-in page, and tells htmx to go there', async () => {
      // Given a browser that never signed in
      const b = browser();

      // When it opens the console
      const page = await b.get('/console');

      // Then it is sent to sign in, and back to the console afterwards
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole');

      // And htmx, fetching a fragment, is told to navigate instead of swapping a form in
      const fragment = await b.get('/console/partners', { 'HX-Request': 'true' });
      expect(fragment.status).toBe(401);
      expect(fragment.headers.get('hx-redirect')).toBe(
        '/console/sign-in?next=%2Fconsole%2Fpartners',
      );
    });

    it('signs in the operator created at first run, with a cookie scripts cannot read and other sites do not send', async () => {
      // Given the operator of CONSOLE_BOOTSTRAP_EMAIL, typing the email in another case
      const b = browser();

      // When they sign in
      const signedIn = await signIn(b, OPERATOR_EMAIL.toUpperCase());

      // Then they are sent to the console with a session cookie only HTTP carries, on this site
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('location')).toBe('/console');
      const attributes = attributesOf(signedIn.setCookies.get('sy_console'));
      expect(attributes).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']));
      expect(attributes).not.toContain('secure');

      // And the overview opens, in their name
      const overview = await b.get('/console');
      expect(overview.status).toBe(200);
      expect(overview.headers.get('content-type')).toMatch(/^text\/html/);
      expect(overview.headers.get('cache-control')).toBe('no-store');
      expect(overview.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(overview.html).toContain(OPERATOR_EMAIL);
      // And the sign-in form's token, spent, is cleared
      expect(attributesOf(signedIn.setCookies.get('sy_sign_in'))).toContain('max-age=0');
    });

    it("answers an address no console page has with a 404 page, not the API's JSON", async () => {
      // Given a signed-in operator
      const b = await signedInOperator();

      // When they open addresses under /console and /portal that no page answers
      for (const path of ['/console/nope', '/console/partners/x/y', '/portal/nope']) {
        const answer = await b.get(path);

        // Then each is a page saying so
        expect({ path, status: answer.status }).toEqual({ path, status: 404 });
        expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
        expect(answer.html).toContain('There is no such page');
      }
    });

    it('finds no partner for an id that is not one, as the admin API does', async () => {
      // Given a signed-in operator on the partners page
      const b = await signedInOperator();
      const page = await b.get('/console/partners');

      // When a portal link is asked for a partner id that is not a UUID
      const answer = await b.post('/console/partners/nope/portal-links', {
        _csrf: csrfOf(page.html),
        capability: 'read',
      });

      // Then nothing is found, and no link is issued
      expect(answer.status).toBe(404);
      expect(answer.html).toContain('partner_not_found');
      expect(shownOnce(answer.html, 'portal-link')).toBeUndefined();
    });

    it('marks the session cookie Secure when CONSOLE_SECURE_COOKIES is on', async () => {
      // Given a second instance of the same deployment, serving the console over HTTPS
      const secure = await startNotificationsApp(
        'console_secure',
        { CONSOLE_SECURE_COOKIES: 'true' },
        { database: t.database, kafkaPrefix: t.kafkaPrefix },
      );
      try {
        // When the operator signs in there
        const b = browser(secure);
        const form = await b.get('/console/sign-in');
        const signedIn = await b.post('/console/sign-in', {
          _csrf: csrfOf(form.html),
          email: OPERATOR_EMAIL,
          password: OPERATOR_PASSWORD,
        });

        // Then both the sign-in form's cookie and the session cookie travel over HTTPS only
        expect(attributesOf(form.setCookies.get('sy_sign_in'))).toContain('secure');
        expect(signedIn.status).toBe(303);
        expect(attributesOf(signedIn.setCookies.get('sy_console'))).toEqual(
          expect.arrayContaining(['secure', 'httponly', 'samesite=strict']),
        );
      } finally {
        await secure.close();
      }
    });

    it('locks an account after five wrong passwords in a row, even against the right one', async () => {
      // Given an operator
      const email = `locked-${randomUUID()}@example.com`;
      await t.app.get(CreateOperatorUseCase).execute(email, 'the right long password');
      const b = browser();

      // When five wrong passwords are tried in a row
      for (let i = 0; i < 5; i++)
        expect((await signIn(b, email, `wrong password ${i}`)).status).toBe(401);

      // Then the account is locked: the right password is not even checked
      const locked = await signIn(b, email, 'the right long password');
      expect(locked.status).toBe(429);
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(locked.html).toContain('Too many failed sign-ins');
      expect(locked.setCookies.get('sy_console')).toBeUndefined();

      // And once the lock has passed, the right password signs in and clears the count
      await t.dataSource.query(
        `UPDATE notifications.operators SET locked_until = now() - interval '1 second' WHERE email = $1`,
        [email],
      );
      expect((await signIn(b, email, 'the right long password')).status).toBe(303);
      const [row] = await t.dataSource.query(
        `SELECT failed_sign_ins, locked_until FROM notifications.operators WHERE email = $1`,
        [email],
      );
      expect(row).toEqual({ failed_sign_ins: 0, locked_until: null });
    });

    it('refuses a wrong password without saying whether the email exists', async () => {
      // Given the operator's email with a wrong password, and an email no operator has
      const wrongPassword = await signIn(browser(), OPERATOR_EMAIL, 'not the right password');
      const unknownEmail = await signIn(browser(), 'nobody@example.com', OPERATOR_PASSWORD);

      // Then both are refused with the same page (but for the email typed, kept in the form)
      // and no session
      const same = (a: Answer, email: string) =>
        a.html.replace(csrfOf(a.html), 'CSRF').replace(`value="${email}"`, 'value="EMAIL"');
      expect(wrongPassword.status).toBe(401);
      expect(unknownEmail.status).toBe(401);
      expect(wrongPassword.html).toContain('The email or the password is not right.');
      expect(same(wrongPassword, OPERATOR_EMAIL)).toBe(same(unknownEmail, 'nobody@example.com'));
      expect(wrongPassword.setCookies.has('sy_console')).toBe(false);
      expect(unknownEmail.setCookies.has('sy_console')).toBe(false);
    });

    it('refuses a sign-in form that did not come from the sign-in page', async () => {
      // Given a form posted by another site: no sign-in cookie at all
      const forged = await browser().post('/console/sign-in', {
        _csrf: 'syc_forged',
        email: OPERATOR_EMAIL,
        password: OPERATOR_PASSWORD,
      });
      // And a form whose token is from another browser's sign-in page
      const victim = browser();
      await victim.get('/console/sign-in');
      const attackerPage = await browser().get('/console/sign-in');
      const mismatched = await victim.post('/console/sign-in', {
        _csrf: csrfOf(attackerPage.html),
        email: OPERATOR_EMAIL,
        password: OPERATOR_PASSWORD,
      });

      // Then neither signs anyone in, though the credentials are right
      for (const refused of [forged, mismatched]) {
        expect(refused.status).toBe(403);
        expect(refused.html).toContain('csrf_token_invalid');
        expect(refused.setCookies.has('sy_console')).toBe(false);
      }
      expect(victim.cookie('sy_console')).toBeUndefined();
    });

    it('only follows a next address inside the console', async () => {
      // Given sign-in links whose next address leads to another site
      for (const next of ['https://evil.example', '//evil.example', '/\\evil.example']) {
        // When the operator signs in through them
        const signedIn = await signIn(browser(), OPERATOR_EMAIL, OPERATOR_PASSWORD, next);

        // Then they land on the console instead
        expect(signedIn.status).toBe(303);
        expect(signedIn.headers.get('location')).toBe('/console');
      }
      // While a page of the console is followed
      const inside = await signIn(
        browser(),
        OPERATOR_EMAIL,
        OPERATOR_PASSWORD,
        '/console/partners',
      );
      expect(inside.headers.get('location')).toBe('/console/partners');
    });
  });

  describe('forms', () => {
    it("refuses a form posted without the session's CSRF token, and changes nothing", async () => {
      // Given a signed-in operator on the partners page
      const b = await signedInOperator();
      const page = await b.get('/console/partners');
      expect(page.status).toBe(200);
      const name = `Forged ${randomUUID()}`;

      // When a form adding a partner arrives without the page's token, or with another one
      const without = await b.post('/console/partners', { name });
      const wrong = await b.post('/console/partners', { name, _csrf: 'syc_not-the-token' });

      // Then it is refused and no partner is added
      for (const refused of [without, wrong]) {
        expect(refused.status).toBe(403);
        expect(refused.html).toContain('csrf_token_invalid');
      }
      expect(await partnersNamed(name)).toBe(0);

      // When the page's own form is posted
      const added = await b.post('/console/partners', { name, _csrf: csrfOf(page.html) });

      // Then the partner is added and its API key shown this once
      expect(added.status).toBe(201);
      expect(await partnersNamed(name)).toBe(1);
      const apiKey = shownOnce(added.html, 'api-key');
      expect(apiKey).toMatch(/\S{20,}/);
      expect((await t.api(apiKey as string, 'GET', '/v1/endpoints')).status).toBe(200);
      // And the next page shows it no more
      const again = await b.get('/console/partners');
      expect(again.html).toContain(name);
      expect(again.html).not.toContain(apiKey);
    });

    it("revokes a partner's API key: the old one fails from then on, the new one is shown once and works", async () => {
      // Given a partner whose API key works, and the operator on the partners page
      const partner = await newPartner();
      expect((await t.api(partner.apiKey, 'GET', '/v1/endpoints')).status).toBe(200);
      const b = await signedInOperator();
      const page = await b.get('/console/partners');

      // When the operator revokes it
      const revoked = await b.post(`/console/partners/${partner.id}/api-key`, {
        _csrf: csrfOf(page.html),
      });

      // Then the old key is refused, and the new one, shown this once, works
      expect(revoked.status).toBe(200);
      expect(revoked.html).toContain('The previous key no longer works.');
      const newKey = shownOnce(revoked.html, 'api-key') as string;
      expect(newKey).toMatch(/^sy_/);
      expect((await t.api(partner.apiKey, 'GET', '/v1/endpoints')).status).toBe(401);
      expect((await t.api(newKey, 'GET', '/v1/endpoints')).status).toBe(200);
      expect((await b.get('/console/partners')).html).not.toContain(newKey);
    });

    it('takes the CSRF token from the X-CSRF-Token header, as htmx sends it', async () => {
      // Given a signed-in operator
      const b = await signedInOperator();
      const token = csrfOf((await b.get('/console/partners')).html);
      const name = `Htmx ${randomUUID()}`;

      // When htmx posts the form with the token in its header
      const added = await b.post(
        '/console/partners',
        { name },
        { 'HX-Request': 'true', 'X-CSRF-Token': token },
      );

      // Then the partner is added
      expect(added.status).toBe(201);
      expect(await partnersNamed(name)).toBe(1);
    });

    it('keeps refusing forms on the API', async () => {
      // Given an HTML form posted to the partners API, with the admin token
      const name = `Form ${randomUUID()}`;
      const res = await fetch(`${t.url}/v1/partners`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        body: new URLSearchParams({ name }),
      });

      // Then it is refused as any body but JSON was before the console, and adds no partner
      expect(res.status).toBe(415);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
      expect(await partnersNamed(name)).toBe(0);
    });
  });

  describe('portal links', () => {
    it('issues a portal link through the admin API, usable for CONSOLE_PORTAL_LINK_MINUTES', async () => {
      // Given a partner
      const partner = await newPartner();

      // When an operator asks the admin API for a read-only link
      const before = Date.now();
      const res = await issueLink(partner.id, 'read');

      // Then it is a link into the portal with a token, expiring after the configured time
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ partnerName: partner.name, capability: 'read' });
      const url = new URL(res.body['url'] as string);
      expect(url.origin).toBe(new URL(t.url).origin);
      expect(url.pathname).toBe('/portal/enter');
      expect(url.searchParams.get('token')).toMatch(/^syp_[\w-]{43}$/);
      const expiresIn = Date.parse(res.body['expiresAt'] as string) - before;
      expect(expiresIn).toBeGreaterThan((PORTAL_LINK_MINUTES * 60 - 30) * 1000);
      expect(expiresIn).toBeLessThan((PORTAL_LINK_MINUTES * 60 + 30) * 1000);
    });

    it('refuses a portal link for a partner that does not exist, or without the admin token', async () => {
      // Given an id no partner has, a value that is no id, and a partner asked for without a token
      const unknown = await issueLink(randomUUID());
      const notAnId = await issueLink('not-a-uuid');
      const partner = await newPartner();
      const anonymous = await issueLink(partner.id, 'manage', 'not-the-admin-token-0123456789');

      // Then each is refused, and the partner got no link
      expect(unknown.status).toBe(404);
      expect(unknown.body['error']).toMatchObject({ code: 'partner_not_found' });
      expect(notAnId.status).toBe(404);
      expect(notAnId.body['error']).toMatchObject({ code: 'partner_not_found' });
      expect(anonymous.status).toBe(401);
      const [row] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM notifications.portal_links WHERE partner_id = $1',
        [partner.id],
      );
      expect(row.n).toBe(0);
    });

    it('lets a partner in once with a link, and not a second time', async () => {
      // Given a link for a partner
      const partner = await newPartner();
      const link = (await issueLink(partner.id)).body['url'] as string;
      const token = new URL(link).searchParams.get('token') as string;

      // When the partner opens it (a mail scanner may have fetched it first)
      expect((await browser().get(link)).status).toBe(200);
      const b = browser();
      const page = await b.get(link);
      expect(page.status).toBe(200);
      expect(page.html).toContain(`Portal of ${partner.name}`);
      expect(page.setCookies.has('sy_console')).toBe(false);
      // and a page of another site posts the token: it is refused, and the link not spent
      const forged = await browser().post(
        '/portal/enter',
        { token },
        { 'sec-fetch-site': 'cross-site' },
      );
      expect(forged.status).toBe(403);
      expect(forged.html).toContain('cross_site_entry');
      // and the partner presses the button
      const entered = await b.post('/portal/enter', { token });

      // Then they get a session and are sent to the portal, the token left behind
      expect(entered.status).toBe(303);
      expect(entered.headers.get('location')).toBe('/portal');
      expect(entered.headers.get('location')).not.toContain(token);
      expect(entered.headers.get('referrer-policy')).toBe('no-referrer');
      expect(attributesOf(entered.setCookies.get('sy_console'))).toEqual(
        expect.arrayContaining(['httponly', 'samesite=strict', 'path=/']),
      );
      const portal = await b.get('/portal');
      expect(portal.status).toBe(200);
      expect(portal.html).toContain(partner.name);

      // When the same link is used again (someone who found it in a mail)
      const again = await browser().enter(link);

      // Then it lets nobody in
      expect(again.status).toBe(410);
      expect(again.html).toContain('portal_link_invalid');
      expect(again.setCookies.has('sy_console')).toBe(false);
    });

    it('reopens a page that another site linked to, so the SameSite=Strict cookie goes with it', async () => {
      // Given a browser arriving from another site's link: its Strict cookie was not sent
      // (undici's request, as fetch sets Sec-Fetch-Mode itself)
      const arriving = await request(`${t.url}/console/partners`, {
        headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' },
      });
      const html = await arriving.body.text();

      // Then the page reloads itself (a navigation of this site's own, which carries the cookie)
      expect(arriving.statusCode).toBe(200);
      expect(html).toContain('<meta http-equiv="refresh" content="0">');
      expect(html).toContain('href="/console/partners"');
      // And a visit from this site still goes to sign-in
      const local = await browser().get('/console/partners', { 'sec-fetch-site': 'same-origin' });
      expect(local.status).toBe(303);
    });

    it("ends a partner's portal access at once: its sessions end and its unused links stop working", async () => {
      // Given a partner in its portal, and a second link issued but not used yet
      const partner = await newPartner();
      const inside = await partnerBrowser(partner.id);
      expect((await inside.get('/portal')).status).toBe(200);
      const unused = (await issueLink(partner.id)).body['url'] as string;
      const other = await newPartner();
      const otherInside = await partnerBrowser(other.id);

      // When an operator ends its portal access
      const operator = await signedInOperator();
      const page = await operator.get('/console/partners');
      const ended = await operator.post(`/console/partners/${partner.id}/portal-access/end`, {
        _csrf: csrfOf(page.html),
      });

      // Then the page says what ended, the session is over and the link lets nobody in
      expect(ended.status).toBe(200);
      expect(ended.html).toContain(`Ended 1 portal session(s) of ${partner.name}`);
      expect(ended.html).toContain('expired 1 unused link(s)');
      expect((await inside.get('/portal')).status).toBe(401);
      expect((await browser().enter(unused)).status).toBe(410);
      // And another partner's session goes on
      expect((await otherInside.get('/portal')).status).toBe(200);
    });

    it('refuses a link that has expired', async () => {
      // Given a link whose time has passed
      const partner = await newPartner();
      const link = (await issueLink(partner.id)).body['url'] as string;
      await t.dataSource.query(
        `UPDATE notifications.portal_links SET expires_at = now() - interval '1 second'
         WHERE partner_id = $1`,
        [partner.id],
      );

      // When the partner opens it
      const late = await browser().enter(link);

      // Then it lets them in no more
      expect(late.status).toBe(410);
      expect(late.html).toContain('portal_link_invalid');
      expect(late.setCookies.has('sy_console')).toBe(false);
    });

    it('refuses a link that is not one of ours', async () => {
      // Given a made-up token, and one too long to be ours
      for (const token of ['syp_made-up', `syp_${'x'.repeat(200)}`]) {
        // When it is opened
        const res = await browser().get(`/portal/enter?token=${token}`);

        // Then nobody gets in
        expect(res.status).toBe(410);
        expect(res.setCookies.has('sy_console')).toBe(false);
      }
    });

    it("issues a read-only portal link from the console's partners page, and lets that partner sign out", async () => {
      // Given an operator on the partners page, and a partner listed there
      const partner = await newPartner();
      const operator = await signedInOperator();
      const page = await operator.get('/console/partners');
      expect(page.html).toContain(partner.id);

      // When they issue a read-only link for the partner
      const issued = await operator.post(`/console/partners/${partner.id}/portal-links`, {
        _csrf: csrfOf(page.html),
        capability: 'read',
      });

      // Then the link is shown once, and lets the partner in, read only
      expect(issued.status).toBe(201);
      const link = shownOnce(issued.html, 'portal-link');
      expect(link).toMatch(/\/portal\/enter\?token=syp_/);
      const b = browser();
      expect((await b.enter(link as string)).status).toBe(303);
      const portal = await b.get('/portal');
      expect(portal.status).toBe(200);
      expect(portal.html).toContain('read only');

      // When the read-only partner signs out
      const signedOut = await b.post('/console/sign-out', { _csrf: csrfOf(portal.html) });

      // Then the session ends and the cookie is cleared, though that session may change nothing
      expect(signedOut.status).toBe(303);
      expect(signedOut.headers.get('location')).toBe('/portal/signed-out');
      expect(attributesOf(signedOut.setCookies.get('sy_console'))).toContain('max-age=0');
      expect(b.cookie('sy_console')).toBeUndefined();
      const after = await b.get('/portal');
      expect(after.status).toBe(401);
      expect(after.html).toContain('portal_session_ended');
    });
  });

  describe('what each session may see', () => {
    let a: { id: string; apiKey: string; name: string };
    let endpointId: string;
    let partnerA: ConsoleClient;
    let partnerB: ConsoleClient;

    beforeAll(async () => {
      a = await newPartner();
      endpointId = (await t.createEndpoint(a.apiKey, { url: 'http://127.0.0.1:9/orders-hook' })).id;
      partnerA = await partnerBrowser(a.id);
      partnerB = await partnerBrowser((await newPartner()).id);
    });

    it('shows a partner its own endpoints', async () => {
      // When partner A opens its portal
      const list = await partnerA.get('/portal');

      // Then its endpoint is listed, and its page opens
      expect(list.status).toBe(200);
      expect(list.html).toContain(`/portal/endpoints/${endpointId}`);
      expect(list.html).toContain('http://127.0.0.1:9/orders-hook');
      const one = await partnerA.get(`/portal/endpoints/${endpointId}`);
      expect(one.status).toBe(200);
      expect(one.html).toContain(endpointId);
      expect(one.html).toContain('order.*');
    });

    it("finds nothing for a partner where another partner's endpoint or the operators' pages are", async () => {
      // When partner B opens A's endpoint, a page with no id, and the operators' pages
      for (const path of [
        `/portal/endpoints/${endpointId}`,
        '/portal/endpoints/not-a-uuid',
        '/console',
        '/console/partners',
      ]) {
        const res = await partnerB.get(path);

        // Then each is a page that does not exist, telling nothing of A
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.html).not.toContain('orders-hook');
        expect(res.html).not.toContain(a.name);
      }
      // And B's own portal does not list A's endpoint
      expect((await partnerB.get('/portal')).html).not.toContain(endpointId);
    });

    it("does not let a partner post an operator's form, even with its own CSRF token", async () => {
      // Given partner B's portal page, with its session's token
      const token = csrfOf((await partnerB.get('/portal')).html);
      const name = `Added by a partner ${randomUUID()}`;

      // When B posts the operators' form adding a partner
      const res = await partnerB.post('/console/partners', { name, _csrf: token });

      // Then there is no such page for B, and no partner is added
      expect(res.status).toBe(404);
      expect(await partnersNamed(name)).toBe(0);
    });

    it("finds nothing for an operator in a partner's portal", async () => {
      // Given a signed-in operator
      const operator = await signedInOperator();

      // When they open the portal
      const res = await operator.get('/portal');

      // Then there is no such page for them (the console is where they work)
      expect(res.status).toBe(404);
      expect(res.html).toContain('not_found');
    });
  });

  describe('sessions ending', () => {
    async function sessionRows(): Promise<number> {
      const [row] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM notifications.console_sessions',
      );
      return row.n;
    }

    it('ends a session at sign-out', async () => {
      // Given a signed-in operator, and their cookie as it is now
      const b = await signedInOperator();
      const page = await b.get('/console');
      const cookie = b.cookie('sy_console') as string;
      const before = await sessionRows();

      // When they sign out
      const signedOut = await b.post('/console/sign-out', { _csrf: csrfOf(page.html) });

      // Then they are sent to the sign-in page, their cookie cleared, their session gone
      expect(signedOut.status).toBe(303);
      expect(signedOut.headers.get('location')).toBe('/console/sign-in');
      expect(attributesOf(signedOut.setCookies.get('sy_console'))).toContain('max-age=0');
      expect(await sessionRows()).toBe(before - 1);

      // And the old cookie, replayed, opens nothing
      const replayed = await fetch(`${t.url}/console`, {
        redirect: 'manual',
        headers: { cookie: `sy_console=${cookie}` },
      });
      expect(replayed.status).toBe(303);
      expect(replayed.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole');
    });

    it('refuses a sign-out posted by another site', async () => {
      // Given a signed-in operator
      const b = await signedInOperator();

      // When a form without their token signs them out
      const forged = await b.post('/console/sign-out', {});

      // Then they stay signed in
      expect(forged.status).toBe(403);
      expect((await b.get('/console')).status).toBe(200);
    });

    it('ends a session left idle', async () => {
      // Given a signed-in operator whose session has been idle past CONSOLE_SESSION_IDLE_MINUTES
      const b = await signedInOperator();
      expect((await b.get('/console')).status).toBe(200);
      await t.dataSource.query(
        `UPDATE notifications.console_sessions SET expires_at = now() - interval '1 second'
         WHERE token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')`,
        [b.cookie('sy_console')],
      );

      // When they come back
      const back = await b.get('/console/partners');

      // Then they are asked to sign in again
      expect(back.status).toBe(303);
      expect(back.headers.get('location')).toBe('/console/sign-in?next=%2Fconsole%2Fpartners');
    });
  });

  describe('assets', () => {
    it('serves htmx and the stylesheet from the service, and nothing else', async () => {
      // Given a browser loading a console page's script and stylesheet
      const b = browser();

      // When it fetches them, and names that are not assets
      const htmx = await b.get('/console/assets/htmx.min.js');
      const css = await b.get('/console/assets/console.css');
      const unknown = await b.get('/console/assets/unknown');
      const inherited = await b.get('/console/assets/constructor');

      // Then the two assets come with their types, and nothing else is served
      expect(htmx.status).toBe(200);
      expect(htmx.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(htmx.html).toContain('htmx');
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toMatch(/^text\/css/);
      expect(unknown.status).toBe(404);
      expect(inherited.status).toBe(404);
    });
  });
});
