import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { ConsoleClient, csrfOf } from '../../../testing/console-client.test-helper';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../../testing/notifications-app.test-helper';

const OPERATOR = { email: 'ops.endpoints@example.com', password: 'correct horse battery staple' };

/** The endpoint's row as stored, every column, for "this changed and nothing else". */
type EndpointRow = Record<string, unknown>;

describe("the operator's endpoint and message screens (real Postgres and Kafka)", () => {
  let t: NotificationsTestApp;
  let receiver: ScriptedReceiver;
  let operator: ConsoleClient;
  /** Partner A's endpoint answers 503 until it recovers; partner B's always 204. */
  let a: { partnerId: string; apiKey: string; endpointId: string; name: string };
  let b: { partnerId: string; apiKey: string; endpointId: string; name: string };
  let eventId: string;

  async function partnerWithEndpoint(path: string) {
    const name = `Partner ${randomUUID().slice(0, 8)}`;
    const partner = await t.api(ADMIN_TOKEN, 'POST', '/v1/partners', { name });
    const apiKey = partner.body['apiKey'] as string;
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url(path) });
    return { partnerId: partner.body['id'] as string, apiKey, endpointId: endpoint.id, name };
  }

  async function endpointRow(id: string): Promise<EndpointRow> {
    const [row] = await t.dataSource.query('SELECT * FROM notifications.endpoints WHERE id = $1', [
      id,
    ]);
    return row;
  }

  /** The row without the columns an action is meant to change. */
  function apart(row: EndpointRow, ...changed: string[]): EndpointRow {
    return Object.fromEntries(Object.entries(row).filter(([k]) => !changed.includes(k)));
  }

  async function messageOf(event: string, partnerId: string): Promise<string> {
    const [row] = await t.dataSource.query(
      'SELECT id FROM notifications.messages WHERE event_id = $1 AND partner_id = $2',
      [event, partnerId],
    );
    return row.id;
  }

  /** Posts an action's form from the endpoints page, as its button does. */
  async function act(client: ConsoleClient, endpointId: string, action: string, extra = {}) {
    const page = await client.get('/console/endpoints');
    return client.post(`/console/endpoints/${endpointId}/${action}`, {
      _csrf: csrfOf(page.html),
      ...extra,
    });
  }

  beforeAll(async () => {
    t = await startNotificationsApp('console_operator', {
      CONSOLE_BOOTSTRAP_EMAIL: OPERATOR.email,
      CONSOLE_BOOTSTRAP_PASSWORD: OPERATOR.password,
      DELIVERY_BREAKER_THRESHOLD: '2',
      // Long enough that the open circuit stays open for the whole file unless reset.
      DELIVERY_BREAKER_COOLDOWN_MS: '600000',
      // After the second failure the next try is far off: only a reset brings it forward.
      DELIVERY_RETRY_SCHEDULE: '0,100ms,10m,10m',
    });
    receiver = new ScriptedReceiver();
    await receiver.start();
    receiver.always('/a', { kind: 'status', status: 503, body: 'down for maintenance' });
    a = await partnerWithEndpoint('/a');
    b = await partnerWithEndpoint('/b');
    operator = new ConsoleClient(t.url);
    const signInPage = await operator.get('/console/sign-in');
    const signedIn = await operator.post('/console/sign-in', {
      _csrf: csrfOf(signInPage.html),
      next: '/console',
      ...OPERATOR,
    });
    expect(signedIn.status).toBe(303);
    // An order event reaches both partners; A's endpoint fails twice and its circuit opens.
    eventId = (await t.publishOrderEvent()).id;
    await waitFor('the circuit of A to open', async () => {
      const row = await endpointRow(a.endpointId);
      return row['circuit_open_until'] !== null && Number(row['consecutive_failures']) >= 2;
    });
    await waitFor('B to get the event', () =>
      t.deliveryOf(eventId, b.endpointId).then((d) => d?.status === 'succeeded'),
    );
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it("lists every partner's endpoints with their circuits, filtered by partner and by state", async () => {
    // When the operator opens the list, then filters it by state and by partner
    const all = await operator.get('/console/endpoints');
    const open = await operator.get('/console/endpoints?state=circuit-open');
    const healthyOfB = await operator.get(
      `/console/endpoints?partner=${b.partnerId}&state=healthy`,
    );
    const healthyOfA = await operator.get(
      `/console/endpoints?partner=${a.partnerId}&state=healthy`,
    );

    // Then the whole list has both, each with its partner, A's circuit open with its streak
    expect(all.status).toBe(200);
    expect(all.html).toContain(a.name);
    expect(all.html).toContain(b.name);
    expect(all.html).toMatch(
      new RegExp(`data-endpoint="${a.endpointId}" data-health="circuit-open"`),
    );
    // And each filter keeps only what matches it
    expect(open.html).toContain(a.endpointId);
    expect(open.html).not.toContain(b.endpointId);
    expect(open.html).toMatch(/circuit open[\s\S]*until <time[\s\S]*2 failures in a row/);
    expect(healthyOfB.html).toContain(b.endpointId);
    expect(healthyOfA.html).toContain('data-testid="no-endpoints"');

    // And a filter that cannot be one says what to fix
    const bad = await operator.get('/console/endpoints?state=sideways');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('role="alert"');
  });

  it("shows on the overview the endpoint that fails and its open circuit, and the day's deliveries", async () => {
    const overview = await operator.get('/console');

    expect(overview.status).toBe(200);
    const figure = (name: string) =>
      new RegExp(`data-figure="${name}">([^<]*)<`).exec(overview.html)?.[1];
    expect(figure('failing')).toBe('1');
    expect(figure('circuits-open')).toBe('1');
    // A's two failed attempts leave its delivery waiting for a retry; B's succeeded
    expect(figure('waiting')).toBe('1');
    expect(figure('success-rate')).toBe('100.0 %');
  });

  it('pauses an endpoint (saying an operator did, not which) and resumes it, changing nothing else of it', async () => {
    // Given B's endpoint as stored
    const before = await endpointRow(b.endpointId);

    // When the operator pauses it
    const paused = await act(operator, b.endpointId, 'pause');

    // Then it is disabled, saying by whom, and nothing else of it changed
    expect(paused.status).toBe(200);
    expect(paused.html).toContain('data-done="paused"');
    const afterPause = await endpointRow(b.endpointId);
    expect(afterPause['enabled']).toBe(false);
    expect(afterPause['disabled_reason']).toBe('paused by an operator');
    expect(apart(afterPause, 'enabled', 'disabled_reason', 'updated_at')).toEqual(
      apart(before, 'enabled', 'disabled_reason', 'updated_at'),
    );

    // When they resume it
    const resumed = await act(operator, b.endpointId, 'resume');

    // Then it is enabled with no reason, and otherwise as it was
    expect(resumed.status).toBe(200);
    expect(resumed.html).toContain('data-done="resumed"');
    const afterResume = await endpointRow(b.endpointId);
    expect(apart(afterResume, 'updated_at')).toEqual(apart(before, 'updated_at'));
  });

  it('rotates a secret without showing it, saying until when the previous one signs', async () => {
    // Given B's endpoint and its secret
    const before = await endpointRow(b.endpointId);

    // When the operator rotates it
    const rotated = await act(operator, b.endpointId, 'rotate-secret');

    // Then a new secret signs, the old one beside it until a day from now, and the page shows neither
    expect(rotated.status).toBe(200);
    const after = await endpointRow(b.endpointId);
    expect(after['secret']).not.toBe(before['secret']);
    expect(after['previous_secret']).toBe(before['secret']);
    const until = (after['previous_secret_expires_at'] as Date).toISOString();
    expect(rotated.html).toContain(`datetime="${until}"`);
    expect(rotated.html).not.toContain(after['secret'] as string);
    expect(rotated.html).not.toContain(before['secret'] as string);
  });

  it('sends a test event of a chosen type to one endpoint, signed, and to no other', async () => {
    // Given B's endpoint, answering 204
    const before = receiver.requestsTo('/b').length;
    const atA = receiver.requestsTo('/a').length;

    // When the operator sends it a test order.fulfilled
    const sent = await act(operator, b.endpointId, 'send-test', { eventType: 'order.fulfilled' });

    // Then the page says so, and B's receiver gets one signed order.fulfilled, A's nothing more
    expect(sent.status).toBe(200);
    expect(sent.html).toContain('Sent an example order.fulfilled');
    await waitFor('the test event at B', () => receiver.requestsTo('/b').length === before + 1);
    const request = receiver.requestsTo('/b').at(-1);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      type: 'order.fulfilled',
      subject: 'example',
    });
    expect(request?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(receiver.requestsTo('/a')).toHaveLength(atA);
    // A's circuit is open, so its receiver proves nothing alone: nothing was made for A either
    const examplesFor = async (endpointId: string): Promise<number> => {
      const [row] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notifications.deliveries d
         JOIN notifications.messages m ON m.id = d.message_id AND m.event_id = d.event_id
         WHERE d.endpoint_id = $1 AND m.subject = 'example' AND m.event_type = 'order.fulfilled'`,
        [endpointId],
      );
      return row.n;
    };
    expect(await examplesFor(b.endpointId)).toBe(1);
    expect(await examplesFor(a.endpointId)).toBe(0);
    expect((await act(operator, b.endpointId, 'send-test', { eventType: 'nope' })).status).toBe(
      400,
    );
  });

  it('resets an open circuit: the streak ends, nothing else of the endpoint changes, and the waiting delivery goes now', async () => {
    // Given A's endpoint, its circuit open, working again
    const before = await endpointRow(a.endpointId);
    expect(before['circuit_open_until']).not.toBeNull();
    receiver.always('/a', { kind: 'status', status: 204 });
    const requestsBefore = receiver.requestsTo('/a').length;

    // When the operator resets its circuit from the list filtered by open circuits
    const reset = await act(operator, a.endpointId, 'reset-circuit', { state: 'circuit-open' });

    // Then the page says so, the list keeps its filter (A is no longer in it)
    expect(reset.status).toBe(200);
    expect(reset.html).toContain('data-done="circuit-reset"');
    expect(reset.html).toContain('1 of them brought forward from a later retry');
    expect(reset.html).toContain('<option value="circuit-open" selected>');
    expect(reset.html).not.toContain(`data-endpoint="${a.endpointId}"`);
    // And the delivery that waited is made, and succeeds
    await waitFor('the delivery to A to succeed', () =>
      t.deliveryOf(eventId, a.endpointId).then((d) => d?.status === 'succeeded'),
    );
    expect(receiver.requestsTo('/a').length).toBeGreaterThan(requestsBefore);
    // And of the endpoint only the streak and the circuit changed
    const after = await endpointRow(a.endpointId);
    expect(after).toMatchObject({
      consecutive_failures: 0,
      failing_since: null,
      circuit_open_until: null,
    });
    const state = ['consecutive_failures', 'failing_since', 'circuit_open_until', 'rate_next_at'];
    expect(apart(after, ...state)).toEqual(apart(before, ...state));
  });

  it("searches every partner's messages by event id, partner, type and delivery state, and shows one's timeline", async () => {
    // When the operator searches by the event's id, then narrows it
    const byEvent = await operator.get(`/console/messages?eventId=${eventId}`);
    const ofA = await operator.get(`/console/messages?eventId=${eventId}&partner=${a.partnerId}`);
    const failed = await operator.get(`/console/messages?eventId=${eventId}&status=failed`);
    const otherType = await operator.get(
      `/console/messages?eventId=${eventId}&eventType=order.paid`,
    );
    const future = await operator.get(
      `/console/messages?eventId=${eventId}&since=2999-01-01T00:00`,
    );

    // Then the event's message to each partner is found, and each filter keeps what matches it
    const idA = await messageOf(eventId, a.partnerId);
    const idB = await messageOf(eventId, b.partnerId);
    expect(byEvent.status).toBe(200);
    expect(byEvent.html).toContain(`data-message="${idA}"`);
    expect(byEvent.html).toContain(`data-message="${idB}"`);
    expect(byEvent.html).toContain(`<td>${a.name}</td>`);
    expect(ofA.html).toContain(`data-message="${idA}"`);
    expect(ofA.html).not.toContain(`data-message="${idB}"`);
    for (const empty of [failed, otherType, future])
      expect(empty.html).toContain('data-testid="no-messages"');

    // And A's message shows its attempts: the two 503s and the success after the reset
    const timeline = await operator.get(`/console/messages/${idA}`);
    expect(timeline.status).toBe(200);
    expect(timeline.html.match(/data-status="503"/g)).toHaveLength(2);
    expect(timeline.html.match(/data-status="204"/g)).toHaveLength(1);
    expect(timeline.html).toContain('down for maintenance');
    expect(timeline.html).toContain(receiver.url('/a'));
    // each with the request headers it was sent with
    expect(timeline.html.match(/data-testid="request-headers"/g)).toHaveLength(3);
    expect(timeline.html).toContain(
      `<td class="mono">${receiver.requestsTo('/a')[0]?.headers['webhook-signature'] as string}</td>`,
    );

    // And a search that cannot be one says what to fix; a message that is none is not found
    const bad = await operator.get('/console/messages?eventId=not-an-id');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('must be an event id');
    expect((await operator.get('/console/messages/msg_nope')).status).toBe(404);
    expect((await operator.get(`/console/messages/msg_${randomUUID()}`)).status).toBe(404);
  });

  it("finds nothing at these addresses for a partner's session, and changes nothing", async () => {
    // Given partner B in its portal, with its CSRF token
    const link = await t.api(ADMIN_TOKEN, 'POST', `/v1/partners/${b.partnerId}/portal-links`, {
      capability: 'manage',
    });
    const partner = new ConsoleClient(t.url);
    expect((await partner.enter(link.body['url'] as string)).status).toBe(303);
    const portal = await partner.get('/portal');
    const before = await endpointRow(b.endpointId);

    // When it opens the operator's screens and posts their forms
    const answers = [
      await partner.get('/console/endpoints'),
      await partner.get('/console/messages'),
      await partner.get(`/console/messages?eventId=${eventId}`),
      await partner.post(`/console/endpoints/${b.endpointId}/pause`, {
        _csrf: csrfOf(portal.html),
      }),
    ];

    // Then every one is not found, and its endpoint is as it was
    expect(answers.map((x) => x.status)).toEqual([404, 404, 404, 404]);
    expect(await endpointRow(b.endpointId)).toEqual(before);
  });

  it('refuses a form without the CSRF token and changes nothing', async () => {
    // Given B's endpoint as stored
    const before = await endpointRow(b.endpointId);

    // When the operator's cookie comes with a pause form that lacks the token
    const forged = await operator.post(`/console/endpoints/${b.endpointId}/pause`, {});

    // Then it is refused and the endpoint is untouched
    expect(forged.status).toBe(403);
    expect(forged.html).toContain('csrf_token_invalid');
    expect(await endpointRow(b.endpointId)).toEqual(before);
  });
});
