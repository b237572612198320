import { createEvent, exampleDataOf } from '@switchyard/contracts';
import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  type Answer,
  ConsoleClient,
  csrfOf,
  enterPortal,
  shownOnce,
} from '../../../testing/console-client.test-helper';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../../testing/notifications-app.test-helper';

interface Partner {
  readonly id: string;
  readonly apiKey: string;
}

/** The endpoint form as a browser posts it, with what a test changes. */
function endpointForm(csrf: string, fields: Record<string, string> = {}): URLSearchParams {
  const form = new URLSearchParams({
    _csrf: csrf,
    url: 'http://127.0.0.1:9/portal-hook',
    description: 'Orders to the warehouse',
    filter: '',
    rateLimitPerSecond: '',
    headers: '',
    payloadMode: 'full',
    ...fields,
  });
  if (!('eventTypes' in fields)) form.append('eventTypes', 'order.paid');
  return form;
}

/** Text as the browser shows what the page escaped. */
function unescaped(text: string | undefined): string | undefined {
  return text
    ?.replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The problem a page shows beside its form. */
function problemIn(html: string): string | undefined {
  return unescaped(/<p class="problem" role="alert"[^>]*>([^<]*)</.exec(html)?.[1]);
}

describe("a partner's endpoints in the portal: create, edit, secrets, circuit, examples (real Postgres and Kafka)", () => {
  let t: NotificationsTestApp;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    t = await startNotificationsApp('portal_endpoints');
    receiver = new ScriptedReceiver();
    await receiver.start();
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  async function newPartner(): Promise<Partner> {
    const res = await t.api(ADMIN_TOKEN, 'POST', '/v1/partners', { name: `P ${randomUUID()}` });
    return { id: res.body['id'] as string, apiKey: res.body['apiKey'] as string };
  }

  const portal = (partner: Partner, capability: 'read' | 'manage' = 'manage') =>
    enterPortal(t, partner.id, capability);

  async function endpointsOf(partner: Partner): Promise<Record<string, unknown>[]> {
    return t.dataSource.query(
      `SELECT id, url, description, event_types, headers, rate_limit_per_second, fifo, filter,
         payload_mode, enabled FROM notifications.endpoints WHERE partner_id = $1`,
      [partner.id],
    );
  }

  async function csrfFrom(client: ConsoleClient, path = '/portal'): Promise<string> {
    return csrfOf((await client.get(path)).html);
  }

  /** Posts the endpoint form (its checkboxes repeat a field, which a plain record cannot say). */
  const submit = (client: ConsoleClient, path: string, form: URLSearchParams): Promise<Answer> =>
    client.post(path, form);

  it('creates an endpoint from the form with every setting, shows its secret once and links to it', async () => {
    // Given a partner in its portal, allowed to manage
    const partner = await newPartner();
    const b = await portal(partner);
    const page = await b.get('/portal/endpoints/new');
    expect(page.status).toBe(200);

    // When it fills in the form with two event types, a filter, a rate, FIFO and headers
    const form = endpointForm(csrfOf(page.html), {
      filter: '{"data.amount": {"$gte": 1000}}',
      rateLimitPerSecond: '5',
      fifo: 'on',
      headers: 'X-Tenant: acme\n\nAuthorization: Bearer abc',
      payloadMode: 'thin',
    });
    form.append('eventTypes', 'payment.succeeded');
    const created = await submit(b, '/portal/endpoints', form);

    // Then the endpoint is stored as the API would store it, and its secret shown once
    expect(created.status).toBe(201);
    const [stored] = await endpointsOf(partner);
    expect(stored).toMatchObject({
      url: 'http://127.0.0.1:9/portal-hook',
      description: 'Orders to the warehouse',
      event_types: ['order.paid', 'payment.succeeded'],
      headers: { 'X-Tenant': 'acme', Authorization: 'Bearer abc' },
      rate_limit_per_second: 5,
      fifo: true,
      filter: { 'data.amount': { $gte: 1000 } },
      payload_mode: 'thin',
    });
    const secret = shownOnce(created.html, 'endpoint-secret');
    const api = await t.api(partner.apiKey, 'GET', `/v1/endpoints/${stored?.['id']}/secret`);
    expect(secret).toBe(api.body['secret']);
    expect(created.html).toContain(`href="/portal/endpoints/${stored?.['id']}"`);
  });

  it('edits an endpoint through the same form, prefilled, and keeps what the form shows', async () => {
    // Given a partner's endpoint with a header and a filter
    const partner = await newPartner();
    const { id } = await t.createEndpoint(partner.apiKey, {
      url: 'http://127.0.0.1:9/before',
      eventTypes: ['order.*'],
      headers: { 'X-Tenant': 'acme' },
    });
    const b = await portal(partner);

    // When it opens the edit form
    const edit = await b.get(`/portal/endpoints/${id}/edit`);

    // Then the form holds the endpoint's settings, its pattern checked beside the catalog's types
    expect(edit.status).toBe(200);
    expect(edit.html).toContain('value="http://127.0.0.1:9/before"');
    expect(edit.html).toMatch(/value="order\.\*" checked/);
    expect(edit.html).toContain('X-Tenant: acme');

    // When it changes the URL and the event types and posts
    const saved = await submit(
      b,
      `/portal/endpoints/${id}`,
      endpointForm(csrfOf(edit.html), { url: 'http://127.0.0.1:9/after', headers: '' }),
    );

    // Then it is sent to the endpoint's page, and the endpoint is changed
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/portal/endpoints/${id}`);
    const [stored] = await endpointsOf(partner);
    expect(stored).toMatchObject({
      url: 'http://127.0.0.1:9/after',
      event_types: ['order.paid'],
      headers: {},
    });
  });

  describe('a form that breaks a rule comes back with the problem, nothing stored', () => {
    let partner: Partner;
    let b: ConsoleClient;
    let csrf: string;

    beforeAll(async () => {
      partner = await newPartner();
      b = await portal(partner);
      csrf = await csrfFrom(b, '/portal/endpoints/new');
    });

    it.each([
      ['a URL that is not one', { url: 'not a url' }, 'url: must be an http(s) URL'],
      ['a filter that is not JSON', { filter: '{"data.amount": ' }, 'filter: must be JSON'],
      ['a filter with an unknown operator', { filter: '{"data.amount": {"$gtt": 1}}' }, '$gtt'],
      ['no event type', { eventTypes: '' }, 'eventTypes'],
      ['a header line without a colon', { headers: 'X-Tenant acme' }, 'headers:'],
    ])('refuses %s', async (_, fields, problem) => {
      // When the partner posts the form with it
      const answer = await submit(b, '/portal/endpoints', endpointForm(csrf, fields));

      // Then the form comes back, with the problem and what was typed, and nothing is stored
      expect(answer.status).toBe(400);
      expect(problemIn(answer.html)).toContain(problem);
      expect(answer.html).toContain('Orders to the warehouse');
      expect(await endpointsOf(partner)).toEqual([]);
    });

    it('refuses a private address with the sentence the API answers for it', async () => {
      // Given what the API says of an endpoint in a private network
      const url = 'http://10.1.2.3/hook';
      const api = await t.api(partner.apiKey, 'POST', '/v1/endpoints', {
        url,
        eventTypes: ['order.paid'],
      });
      expect(api.status).toBe(422);

      // When the partner posts the form with that URL
      const answer = await submit(b, '/portal/endpoints', endpointForm(csrf, { url }));

      // Then the form says the same, and nothing is stored
      expect(answer.status).toBe(400);
      expect(problemIn(answer.html)).toBe((api.body['error'] as { message: string }).message);
      expect(await endpointsOf(partner)).toEqual([]);
    });

    it('refuses an edit to a private address, leaving the endpoint as it was', async () => {
      // Given an endpoint of the partner
      const { id } = await t.createEndpoint(partner.apiKey, { url: 'http://127.0.0.1:9/kept' });

      // When the partner edits it to a private address
      const url = 'http://192.168.1.10/hook';
      const answer = await submit(b, `/portal/endpoints/${id}`, endpointForm(csrf, { url }));

      // Then the form comes back with what the API answers, and the endpoint keeps its URL
      const api = await t.api(partner.apiKey, 'PATCH', `/v1/endpoints/${id}`, { url });
      expect(api.status).toBe(422);
      expect(answer.status).toBe(400);
      expect(problemIn(answer.html)).toBe((api.body['error'] as { message: string }).message);
      const [stored] = await endpointsOf(partner);
      expect(stored?.['url']).toBe('http://127.0.0.1:9/kept');
      await t.dataSource.query('DELETE FROM notifications.endpoints WHERE id = $1', [id]);
    });
  });

  describe('testing a filter against a sample event', () => {
    let b: ConsoleClient;
    let csrf: string;

    beforeAll(async () => {
      b = await portal(await newPartner());
      csrf = await csrfFrom(b, '/portal/endpoints/new');
    });

    const tryFilter = (filter: string, sampleType = 'order.paid') =>
      b.post('/portal/endpoints/filter-test', { _csrf: csrf, filter, sampleType });

    it('says the catalog example matches a filter it passes', async () => {
      // When the partner tests a filter order.paid's example (3299 usd) passes
      const answer = await tryFilter('{"data.amount": {"$gte": 1000}}');

      // Then the fragment says it would be sent
      expect(answer.status).toBe(200);
      expect(shownOnce(answer.html, 'filter-verdict')).toBe('Match: this event would be sent.');
    });

    it("says why the example does not match a filter it fails, as the API's dry run says it", async () => {
      // When the partner tests a filter the example fails
      const answer = await tryFilter('{"data.currency": "eur"}');

      // Then the fragment says no, with the reason the API's dry run gives for the same example
      const api = await t.api((await newPartner()).apiKey, 'POST', '/v1/filters/test', {
        filter: { 'data.currency': 'eur' },
        event: createEvent('order.paid', 'example', exampleDataOf('order.paid')),
      });
      expect(api.body['match']).toBe(false);
      expect(unescaped(shownOnce(answer.html, 'filter-verdict'))).toBe(
        `No match: ${api.body['reason'] as string}`,
      );
    });

    it('shows a filter that is not JSON or not valid as the problem, still as a fragment', async () => {
      // When the partner tests broken filters
      const notJson = await tryFilter('{');
      const invalid = await tryFilter('{"data.amount": {"$gtt": 1}}');

      // Then each is a 200 fragment saying what to fix
      expect(notJson.status).toBe(200);
      expect(shownOnce(notJson.html, 'filter-verdict')).toContain('filter: must be JSON');
      expect(invalid.status).toBe(200);
      expect(shownOnce(invalid.html, 'filter-verdict')).toContain('$gtt');
    });
  });

  describe("one endpoint's page and its actions", () => {
    let a: Partner;
    let endpointId: string;
    let partnerA: ConsoleClient;
    let partnerB: ConsoleClient;

    beforeAll(async () => {
      a = await newPartner();
      endpointId = (
        await t.createEndpoint(a.apiKey, {
          url: receiver.url('/page-hook'),
          eventTypes: ['order.paid'],
        })
      ).id;
      partnerA = await portal(a);
      partnerB = await portal(await newPartner());
    });

    const circuitOf = (html: string) => /data-circuit="([^"]+)"/.exec(html)?.[1];

    it('shows the circuit closed, open until a time, or half-open, from what delivery keeps', async () => {
      // Given the endpoint healthy
      expect(circuitOf((await partnerA.get(`/portal/endpoints/${endpointId}`)).html)).toBe(
        'closed',
      );

      // When delivery has opened its circuit after failures
      await t.dataSource.query(
        `UPDATE notifications.endpoints SET consecutive_failures = 5, failing_since = now() - interval '3 minutes',
           circuit_open_until = now() + interval '1 minute' WHERE id = $1`,
        [endpointId],
      );
      const open = await partnerA.get(`/portal/endpoints/${endpointId}`);

      // Then the page says open, until when, and how many failures in a row
      expect(circuitOf(open.html)).toBe('open');
      expect(open.html).toContain('5 failed attempts in a row');

      // And once the cool-down is over, half-open
      await t.dataSource.query(
        `UPDATE notifications.endpoints SET circuit_open_until = now() - interval '1 second' WHERE id = $1`,
        [endpointId],
      );
      expect(circuitOf((await partnerA.get(`/portal/endpoints/${endpointId}`)).html)).toBe(
        'half-open',
      );
      await t.dataSource.query(
        `UPDATE notifications.endpoints SET consecutive_failures = 0, failing_since = NULL,
           circuit_open_until = NULL WHERE id = $1`,
        [endpointId],
      );
    });

    it('shows why delivery disabled the endpoint, and re-enables it', async () => {
      // Given the endpoint disabled by delivery
      await t.dataSource.query(
        `UPDATE notifications.endpoints SET enabled = false, disabled_reason = 'failing for 5 days' WHERE id = $1`,
        [endpointId],
      );
      const page = await partnerA.get(`/portal/endpoints/${endpointId}`);
      expect(page.html).toContain('disabled: failing for 5 days');

      // When the partner re-enables it
      const enabled = await partnerA.post(`/portal/endpoints/${endpointId}/enable`, {
        _csrf: csrfOf(page.html),
      });

      // Then it is enabled, the reason gone
      expect(enabled.status).toBe(200);
      expect(shownOnce(enabled.html, 'endpoint-state')).toBe('enabled');
      const [row] = await t.dataSource.query(
        'SELECT enabled, disabled_reason FROM notifications.endpoints WHERE id = $1',
        [endpointId],
      );
      expect(row).toEqual({ enabled: true, disabled_reason: null });
    });

    it('reveals the secret, rotates it, then reveals both while the old one still signs', async () => {
      // When the partner reveals the secret
      const before = await partnerA.get(`/portal/endpoints/${endpointId}/secret`);
      const first = shownOnce(before.html, 'current-secret');
      expect(first).toMatch(/^whsec_/);
      expect(shownOnce(before.html, 'previous-secret')).toBeUndefined();

      // And rotates it
      const page = await partnerA.get(`/portal/endpoints/${endpointId}`);
      const rotated = await partnerA.post(`/portal/endpoints/${endpointId}/secret/rotate`, {
        _csrf: csrfOf(page.html),
      });
      expect(rotated.status).toBe(200);
      expect(rotated.html).toContain('A new secret signs from now on');

      // Then revealing shows a new current secret and the old one as previous
      const after = await partnerA.get(`/portal/endpoints/${endpointId}/secret`);
      expect(shownOnce(after.html, 'current-secret')).toMatch(/^whsec_/);
      expect(shownOnce(after.html, 'current-secret')).not.toBe(first);
      expect(shownOnce(after.html, 'previous-secret')).toBe(first);
    });

    it('sends an example event to the endpoint, delivered signed like any message', async () => {
      // Given the endpoint's page
      const page = await partnerA.get(`/portal/endpoints/${endpointId}`);
      expect(page.html).toContain('Send example');

      // When the partner sends an example order.paid
      const sent = await partnerA.post(`/portal/endpoints/${endpointId}/examples`, {
        _csrf: csrfOf(page.html),
        eventType: 'order.paid',
      });

      // Then the page names the message, stored with a single delivery to this endpoint
      expect(sent.status).toBe(201);
      const messageId = shownOnce(sent.html, 'sent-message');
      expect(messageId).toMatch(/^msg_/);
      const deliveries = await t.dataSource.query(
        'SELECT endpoint_id FROM notifications.deliveries WHERE message_id = $1',
        [messageId],
      );
      expect(deliveries).toEqual([{ endpoint_id: endpointId }]);

      // And the receiver gets it, signed with the endpoint's secret
      await waitFor('the example at the receiver', async () =>
        receiver.requestsTo('/page-hook').some((r) => r.body.includes('"order.paid"')),
      );
      const request = receiver.requestsTo('/page-hook').find((r) => r.body.includes('order.paid'));
      const secret = await t.api(a.apiKey, 'GET', `/v1/endpoints/${endpointId}/secret`);
      const event = new Webhook(secret.body['secret'] as string).verify(
        request?.body ?? '',
        request?.headers as Record<string, string>,
      ) as { type: string; subject: string };
      expect(event).toMatchObject({ type: 'order.paid', subject: 'example' });
    });

    it('refuses an example of a type the catalog does not have', async () => {
      // When the partner posts an unknown type
      const page = await partnerA.get(`/portal/endpoints/${endpointId}`);
      const answer = await partnerA.post(`/portal/endpoints/${endpointId}/examples`, {
        _csrf: csrfOf(page.html),
        eventType: 'order.teleported',
      });

      // Then the page says so, and nothing is sent
      expect(answer.status).toBe(400);
      expect(problemIn(answer.html)).toContain('eventType');
    });

    it("finds nothing for partner B at A's endpoint's pages and actions, and changes nothing", async () => {
      // Given B's own CSRF token
      const csrf = await csrfFrom(partnerB);
      const secretBefore = await t.api(a.apiKey, 'GET', `/v1/endpoints/${endpointId}/secret`);
      const messagesBefore = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM notifications.messages WHERE partner_id = $1',
        [a.id],
      );

      // When B opens or posts to each of A's endpoint's routes
      const answers: [string, Answer][] = [
        ['edit', await partnerB.get(`/portal/endpoints/${endpointId}/edit`)],
        ['reveal', await partnerB.get(`/portal/endpoints/${endpointId}/secret`)],
        ['detail', await partnerB.get(`/portal/endpoints/${endpointId}`)],
        ['save', await submit(partnerB, `/portal/endpoints/${endpointId}`, endpointForm(csrf))],
        [
          'rotate',
          await partnerB.post(`/portal/endpoints/${endpointId}/secret/rotate`, { _csrf: csrf }),
        ],
        [
          'send',
          await partnerB.post(`/portal/endpoints/${endpointId}/examples`, {
            _csrf: csrf,
            eventType: 'order.paid',
          }),
        ],
        ['enable', await partnerB.post(`/portal/endpoints/${endpointId}/enable`, { _csrf: csrf })],
        ['malformed id', await partnerB.get('/portal/endpoints/not-a-uuid/edit')],
      ];

      // Then each is a page that does not exist, and A's endpoint is as it was
      for (const [route, answer] of answers) {
        expect({ route, status: answer.status }).toEqual({ route, status: 404 });
        expect(answer.html).not.toContain('page-hook');
      }
      expect(await t.api(a.apiKey, 'GET', `/v1/endpoints/${endpointId}/secret`)).toEqual(
        secretBefore,
      );
      expect(
        await t.dataSource.query(
          'SELECT count(*)::int AS n FROM notifications.messages WHERE partner_id = $1',
          [a.id],
        ),
      ).toEqual(messagesBefore);
      const [row] = await t.dataSource.query(
        'SELECT url FROM notifications.endpoints WHERE id = $1',
        [endpointId],
      );
      expect(row.url).toBe(receiver.url('/page-hook'));
    });

    it('lets a read-only session see the endpoint but not its secret, and change nothing', async () => {
      // Given A in its portal through a read-only link
      const reader = await portal(a, 'read');
      const page = await reader.get(`/portal/endpoints/${endpointId}`);
      const csrf = csrfOf(page.html);

      // Then the page offers no change
      expect(page.status).toBe(200);
      expect(page.html).not.toContain('Rotate secret');
      expect(page.html).not.toContain('Reveal secret');
      expect(page.html).not.toContain('Send example');
      expect(page.html).not.toContain('/edit"');
      expect((await reader.get('/portal')).html).not.toContain('New endpoint');

      // And the forms and every change are refused
      const refused: [string, Answer][] = [
        ['new form', await reader.get('/portal/endpoints/new')],
        ['edit form', await reader.get(`/portal/endpoints/${endpointId}/edit`)],
        ['secret', await reader.get(`/portal/endpoints/${endpointId}/secret`)],
        ['create', await submit(reader, '/portal/endpoints', endpointForm(csrf))],
        ['save', await submit(reader, `/portal/endpoints/${endpointId}`, endpointForm(csrf))],
        [
          'rotate',
          await reader.post(`/portal/endpoints/${endpointId}/secret/rotate`, { _csrf: csrf }),
        ],
        [
          'send',
          await reader.post(`/portal/endpoints/${endpointId}/examples`, {
            _csrf: csrf,
            eventType: 'order.paid',
          }),
        ],
      ];
      for (const [route, answer] of refused) {
        expect({ route, status: answer.status }).toEqual({ route, status: 403 });
        expect(answer.html).toContain('read_only_portal');
      }
      expect(await endpointsOf(a)).toHaveLength(1);
    });
  });
});
