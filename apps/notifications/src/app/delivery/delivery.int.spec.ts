import { createEvent, type DomainEvent } from '@switchyard/contracts';
import { beforeCommit, InboxRow } from '@switchyard/messaging';
import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { EndpointRepository } from '../endpoints/endpoint.repository';
import { FanOutUseCase } from './fan-out.usecase';

describe('outbound webhook delivery (real Kafka and Postgres, real receivers on loopback)', () => {
  let bed: DeliveryBed | undefined;
  let t: NotificationsTestApp, receiver: ScriptedReceiver, apiKey: string;

  beforeAll(async () => {
    bed = await startDeliveryBed('delivery');
    ({ t, receiver, apiKey } = bed);
  });
  afterAll(() => bed?.close());

  async function settled(eventId: string, endpointId: string, status: string) {
    return waitFor(`the delivery to be ${status}`, async () => {
      const delivery = await t.deliveryOf(eventId, endpointId);
      return delivery?.status === status ? delivery : undefined;
    });
  }

  it('retries an endpoint that fails twice, and delivers on the third attempt with the same webhook-id', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/flaky') });
    receiver.script('/flaky', { kind: 'status', status: 500 }, { kind: 'reset' });

    const event = await t.publishOrderEvent();

    expect(await settled(event.id, endpoint.id, 'succeeded')).toEqual({
      status: 'succeeded',
      attempts: 3,
    });
    const ids = new Set(receiver.requestsTo('/flaky').map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
  });

  it('gives up after the last attempt and shows every attempt in the log with its answer', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/broken') });
    receiver.always('/broken', { kind: 'status', status: 503, body: 'x'.repeat(10_000) });

    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'failed');

    const firstPage = await t.api(
      apiKey,
      'GET',
      `/v1/endpoints/${endpoint.id}/attempts?status=failed&limit=2`,
    );
    const secondPage = await t.api(
      apiKey,
      'GET',
      `/v1/endpoints/${endpoint.id}/attempts?status=failed&limit=2&cursor=${firstPage.body['nextCursor'] as string}`,
    );
    expect([
      (firstPage.body['data'] as unknown[]).length,
      (secondPage.body['data'] as unknown[]).length,
    ]).toEqual([2, 1]);
    expect(secondPage.body['nextCursor']).toBeNull();
    const log = await t.api(apiKey, 'GET', `/v1/endpoints/${endpoint.id}/attempts?status=failed`);
    const attempts = log.body['data'] as {
      statusCode: number;
      responseBody: string;
      requestHeaders: Record<string, string>;
    }[];
    expect(attempts).toHaveLength(3);
    expect(attempts.every((a) => a.statusCode === 503 && a.responseBody.length === 4096)).toBe(
      true,
    );
    // Each with the headers it was sent with: the same webhook-id, its own signature
    const sent = receiver.requestsTo('/broken');
    expect(attempts.map((a) => a.requestHeaders['webhook-signature']).sort()).toEqual(
      sent.map((r) => r.headers['webhook-signature']).sort(),
    );
    expect(new Set(attempts.map((a) => a.requestHeaders['webhook-id']))).toEqual(
      new Set([sent[0]?.headers['webhook-id']]),
    );
  });

  it('disables an endpoint that answers 410 Gone', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/gone') });
    receiver.always('/gone', { kind: 'status', status: 410 });

    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'failed');

    const view = await t.api(apiKey, 'GET', `/v1/endpoints/${endpoint.id}`);
    expect(view.body['enabled']).toBe(false);
  });

  it('waits as long as Retry-After asks after a 429', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/busy') });
    receiver.script('/busy', { kind: 'status', status: 429, headers: { 'retry-after': '2' } });

    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'succeeded');

    const [first, second] = receiver.requestsTo('/busy');
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1900);
  });

  it('does not follow a redirect, even one to the cloud metadata address', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/moved') });
    receiver.always('/moved', {
      kind: 'status',
      status: 302,
      headers: { location: 'http://169.254.169.254/latest/meta-data/' },
    });

    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'failed');

    const log = await t.api(apiKey, 'GET', `/v1/endpoints/${endpoint.id}/attempts`);
    expect((log.body['data'] as { statusCode: number }[]).map((a) => a.statusCode)).toEqual([
      302, 302, 302,
    ]);
  });

  it('does not hold a healthy endpoint back behind one that hangs until the timeout', async () => {
    const hanging = await t.createEndpoint(apiKey, { url: receiver.url('/hang') });
    const healthy = await t.createEndpoint(apiKey, { url: receiver.url('/healthy') });
    receiver.always('/hang', { kind: 'hang' });

    const event = await t.publishOrderEvent();
    await settled(event.id, healthy.id, 'succeeded');
    const hangingNow = await t.deliveryOf(event.id, hanging.id);

    // The healthy delivery completed while the hanging endpoint's first attempt was still open.
    expect(receiver.requestsTo('/hang')).toHaveLength(1);
    expect(hangingNow).toEqual({ status: 'pending', attempts: 0 });
  });

  it('signs with the old and the new secret during a rotation, and sends custom headers', async () => {
    const endpoint = await t.createEndpoint(apiKey, {
      url: receiver.url('/rotating'),
      headers: { 'X-Partner-Tenant': 'eu-1' },
    });
    const rotated = await t.api(apiKey, 'POST', `/v1/endpoints/${endpoint.id}/secret/rotate`, {
      graceSeconds: 3600,
    });

    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'succeeded');

    const [request] = receiver.requestsTo('/rotating');
    const headers = { ...request?.headers } as Record<string, string>;
    expect(new Webhook(endpoint.secret).verify(request?.body ?? '', headers)).toMatchObject({
      id: event.id,
    });
    expect(
      new Webhook(rotated.body['secret'] as string).verify(request?.body ?? '', headers),
    ).toMatchObject({ id: event.id });
    expect(headers['x-partner-tenant']).toBe('eu-1');
    const secrets = await t.api(apiKey, 'GET', `/v1/endpoints/${endpoint.id}/secret`);
    expect(secrets.body).toMatchObject({
      secret: rotated.body['secret'],
      previousSecret: endpoint.secret,
    });
  });

  it('sends one failed message to its endpoint again, once the endpoint is fixed', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/one') });
    receiver.script('/one', { kind: 'status', status: 400 });
    const event = await t.publishOrderEvent();
    await settled(event.id, endpoint.id, 'failed');

    const res = await t.api(apiKey, 'POST', `/v1/messages/${await t.messageOf(event.id)}/replay`, {
      endpointId: endpoint.id,
    });

    expect(res.status).toBe(202);
    await settled(event.id, endpoint.id, 'succeeded');
    const attempts = await t.api(
      apiKey,
      'GET',
      `/v1/messages/${await t.messageOf(event.id)}/attempts`,
    );
    const mine = (attempts.body['data'] as { endpointId: string; statusCode: number }[]).filter(
      (a) => a.endpointId === endpoint.id,
    );
    expect(mine.map((a) => a.statusCode)).toEqual([204, 400]);
    const failedOnly = await t.api(
      apiKey,
      'GET',
      `/v1/messages/${await t.messageOf(event.id)}/attempts?status=failed`,
    );
    expect(
      (failedOnly.body['data'] as { endpointId: string; statusCode: number }[])
        .filter((a) => a.endpointId === endpoint.id)
        .map((a) => a.statusCode),
    ).toEqual([400]);
  });

  it('replays every failed delivery of an endpoint since a time, and nothing that succeeded', async () => {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/batch') });
    const since = new Date(Date.now() - 1000).toISOString();
    receiver.script(
      '/batch',
      { kind: 'status', status: 400 },
      { kind: 'status', status: 400 },
      { kind: 'status', status: 400 },
    );
    const events = [
      await t.publishOrderEvent(),
      await t.publishOrderEvent(),
      await t.publishOrderEvent(),
    ];
    for (const e of events) await settled(e.id, endpoint.id, 'failed');
    const ok = await t.publishOrderEvent();
    await settled(ok.id, endpoint.id, 'succeeded');

    const res = await t.api(apiKey, 'POST', `/v1/endpoints/${endpoint.id}/replay`, { since });

    expect(res.body).toEqual({ replayed: 3 });
    for (const e of events) await settled(e.id, endpoint.id, 'succeeded');
    expect(receiver.requestsTo('/batch')).toHaveLength(7);
  });

  it('replays every message of an event type in a time range to an endpoint created afterwards', async () => {
    const first = await t.createEndpoint(apiKey, { url: receiver.url('/first') });
    const from = new Date(Date.now() - 1000).toISOString();
    const events = [await t.publishOrderEvent(), await t.publishOrderEvent()];
    for (const e of events) await settled(e.id, first.id, 'succeeded');
    const late = await t.createEndpoint(apiKey, { url: receiver.url('/late') });

    const res = await t.api(apiKey, 'POST', '/v1/replay', {
      eventType: 'order.cancelled',
      from,
      to: new Date(Date.now() + 1000).toISOString(),
      endpointId: late.id,
    });

    expect(res.body['replayed']).toBeGreaterThanOrEqual(2);
    for (const e of events) await settled(e.id, late.id, 'succeeded');
    const got = receiver.requestsTo('/late').map((r) => (JSON.parse(r.body) as { id: string }).id);
    expect(got).toEqual(expect.arrayContaining(events.map((e) => e.id)));
  });

  it('pages through messages with a cursor, newest first', async () => {
    const page1 = await t.api(apiKey, 'GET', '/v1/messages?limit=2');
    const page2 = await t.api(
      apiKey,
      'GET',
      `/v1/messages?limit=2&cursor=${page1.body['nextCursor'] as string}`,
    );

    const ids = [
      ...(page1.body['data'] as { id: string }[]),
      ...(page2.body['data'] as { id: string }[]),
    ].map((m) => m.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(new Set(ids).size).toBe(4);
  });
});

describe('fan-out', () => {
  let t: NotificationsTestApp;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    t = await startNotificationsApp('fanout');
    receiver = new ScriptedReceiver();
    await receiver.start();
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  it('creates one message and one delivery per subscribed endpoint, and nothing more when Kafka redelivers the event', async () => {
    // Given a partner with an exact, a family and a non-matching subscription
    const key = await t.createPartner();
    const exact = await t.createEndpoint(key, {
      url: receiver.url('/exact'),
      eventTypes: ['order.cancelled'],
    });
    const family = await t.createEndpoint(key, {
      url: receiver.url('/family'),
      eventTypes: ['order.*'],
    });
    await t.createEndpoint(key, { url: receiver.url('/payments'), eventTypes: ['payment.*'] });

    // When the same event arrives three times
    const event = await t.publishOrderEvent();
    await t.publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}orders.events.v1`,
        messages: [1, 2].map(() => ({ key: event.subject, value: JSON.stringify(event) })),
      },
    ]);
    await waitFor(
      'both deliveries',
      async () =>
        (await t.deliveryOf(event.id, exact.id))?.status === 'succeeded' &&
        (await t.deliveryOf(event.id, family.id))?.status === 'succeeded',
    );
    // A later event on the same key is consumed after the copies: once it is delivered, they were handled.
    const sentinel = await t.publishOrderEvent(event.subject);
    await waitFor(
      'the sentinel',
      async () => (await t.deliveryOf(sentinel.id, family.id))?.status === 'succeeded',
    );

    // Then there is one message with two deliveries, and the payment endpoint got nothing
    const [{ messages, deliveries }] = await t.dataSource.query(
      `SELECT count(DISTINCT m.id)::int AS messages, count(d.id)::int AS deliveries
       FROM notifications.messages m JOIN notifications.deliveries d ON d.message_id = m.id WHERE m.event_id = $1`,
      [event.id],
    );
    expect({ messages, deliveries }).toEqual({ messages: 1, deliveries: 2 });
    expect(receiver.requestsTo('/payments')).toHaveLength(0);
  });

  it('fans out an event that arrives alone with its inbox row, outside a transaction, and a copy creates nothing even for an endpoint subscribed since', async () => {
    // Given a partner subscribed to order events
    const key = await t.createPartner();
    const first = await t.createEndpoint(key, {
      url: receiver.url('/own-row'),
      eventTypes: ['order.*'],
    });
    const fanOut = t.app.get(FanOutUseCase);
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'own row' });
    const rowOf = () => new InboxRow(t.dataSource, 'notifications', 'partner-fanout', event);

    // When the event is fanned out with its own inbox row
    const row = rowOf();
    const result = await fanOut.execute(t.dataSource.manager, event, row);

    // Then it is taken, and its delivery is there (other partners' endpoints get theirs too)
    expect(row.outcome).toBe('applied');
    expect(result.deliveries).toBeGreaterThan(0);
    await waitFor(
      'its delivery',
      async () => (await t.deliveryOf(event.id, first.id))?.status === 'succeeded',
    );

    const rowsOfEvent = async () => {
      const [counts] = await t.dataSource.query(
        `SELECT (SELECT count(*)::int FROM notifications.messages WHERE event_id = $1) AS messages,
           (SELECT count(*)::int FROM notifications.deliveries WHERE event_id = $1) AS deliveries,
           (SELECT count(*)::int FROM notifications.inbox WHERE event_id = $1) AS inbox`,
        [event.id],
      );
      return counts as { messages: number; deliveries: number; inbox: number };
    };
    const afterFirst = await rowsOfEvent();

    // When a second endpoint subscribes and a copy of the event comes
    const second = await t.createEndpoint(key, {
      url: receiver.url('/own-row-later'),
      eventTypes: ['order.*'],
    });
    const copy = rowOf();
    const again = await fanOut.execute(t.dataSource.manager, event, copy);

    // Then the copy is a duplicate: no delivery for the new endpoint, no row added
    expect([copy.outcome, again]).toEqual(['duplicate', { deliveries: 0, filtered: 0 }]);
    expect(await t.deliveryOf(event.id, second.id)).toBeFalsy();
    expect(afterFirst.inbox).toBe(1);
    expect(await rowsOfEvent()).toEqual(afterFirst);
  });

  it('records an event no endpoint subscribes to with its inbox row alone', async () => {
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'nobody' });
    const unsubscribed = { ...event, type: 'nobody.listens' } as unknown as DomainEvent;
    const row = new InboxRow(t.dataSource, 'notifications', 'partner-fanout', unsubscribed);

    await t.app.get(FanOutUseCase).execute(t.dataSource.manager, unsubscribed, row);

    expect(row.outcome).toBe('applied');
    const rows = await t.dataSource.query(
      'SELECT 1 FROM notifications.inbox WHERE event_id = $1 AND consumer = $2',
      [event.id, 'partner-fanout'],
    );
    expect(rows).toHaveLength(1);
  });

  it("records an event taken alone in the statement that finds no endpoint subscribed to it, and leaves a subscribed event's row to its fan-out", async () => {
    // Given an event type nothing subscribes to, and one an endpoint does
    const key = await t.createPartner();
    const endpoint = await t.createEndpoint(key, {
      url: receiver.url('/read-or-record'),
      eventTypes: ['order.read_or_record'],
    });
    const orderId = randomUUID();
    const base = createEvent('order.cancelled', orderId, { orderId, reason: 'read or record' });
    const nobody = { ...base, type: 'nobody.reads' } as unknown as DomainEvent;
    const somebody = {
      ...base,
      id: randomUUID(),
      type: 'order.read_or_record',
    } as unknown as DomainEvent;
    const endpoints = t.app.get(EndpointRepository);
    const rowOf = (event: DomainEvent) =>
      new InboxRow(t.dataSource, 'notifications', 'read-or-record', event);
    const inboxRows = async (eventId: string) =>
      (
        await t.dataSource.query(
          'SELECT 1 FROM notifications.inbox WHERE event_id = $1 AND consumer = $2',
          [eventId, 'read-or-record'],
        )
      ).length as number;

    // When each is read for alone, the unsubscribed one twice
    const first = rowOf(nobody);
    const again = rowOf(nobody);
    const subscribedRow = rowOf(somebody);
    const none = await endpoints.subscribedToOrRecord(['nobody.reads'], first);
    const noneAgain = await endpoints.subscribedToOrRecord(['nobody.reads'], again);
    const found = await endpoints.subscribedToOrRecord(['order.read_or_record'], subscribedRow);

    // Then the unsubscribed event is recorded once (then a duplicate); the subscribed one's
    // endpoint is answered and its row is neither written nor settled
    expect([none, noneAgain]).toEqual([[], []]);
    expect([first.outcome, again.outcome]).toEqual(['applied', 'duplicate']);
    expect(await inboxRows(nobody.id)).toBe(1);
    expect(found.map((e) => e.id)).toEqual([endpoint.id]);
    expect(await inboxRows(somebody.id)).toBe(0);
    expect(() => subscribedRow.outcome).toThrow(/did not write its inbox row/);
  });

  it('reads the subscribed endpoints once per event type in a batch, and writes every event of it in one statement at commit', async () => {
    // Given a partner subscribed to order events
    const key = await t.createPartner();
    const endpoint = await t.createEndpoint(key, {
      url: receiver.url('/batch'),
      eventTypes: ['order.*'],
    });
    const reads = jest.spyOn(t.app.get(EndpointRepository), 'subscribedTo');

    // When three events of two types are fanned out in one transaction, as a consumed batch is
    const events: DomainEvent[] = [1, 2].map(() => {
      const orderId = randomUUID();
      return createEvent('order.cancelled', orderId, { orderId, reason: 'test' });
    });
    const orderId = randomUUID();
    events.push(
      createEvent('order.fulfilled', orderId, { orderId, fulfilledAt: new Date().toISOString() }),
    );
    const fanOut = t.app.get(FanOutUseCase);
    let writers: unknown[] = [];
    const batch = await t.dataSource.transaction(async (manager) => {
      for (const event of events) await fanOut.execute(manager, event);
      // Registered after the fan-out's gathered write, so it runs after it, in the transaction
      // (before any worker can claim and change the rows).
      beforeCommit(manager, async () => {
        writers = await manager.query(
          `SELECT DISTINCT xmin::text AS xid, cmin::text AS command FROM notifications.messages WHERE event_id = ANY($1::uuid[])
           UNION SELECT DISTINCT xmin::text, cmin::text FROM notifications.deliveries WHERE event_id = ANY($1::uuid[])`,
          [events.map((e) => e.id)],
        );
      });
      return manager;
    });

    // Then the endpoints were read once per type in that transaction, the events' messages and
    // deliveries were written by one statement of it (one transaction id and command id), and
    // each event became a delivery
    expect(reads.mock.calls.filter(([, db]) => db === batch)).toHaveLength(2);
    reads.mockRestore();
    expect(writers).toHaveLength(1);
    for (const event of events) {
      await waitFor(
        'its delivery',
        async () => (await t.deliveryOf(event.id, endpoint.id))?.status === 'succeeded',
      );
    }
  });

  it("keeps one partner's messages and their attempts from another", async () => {
    const [alice, bob] = [await t.createPartner('Alice'), await t.createPartner('Bob')];
    const bobs = await t.createEndpoint(bob, { url: receiver.url('/bob') });
    const event = await t.publishOrderEvent();
    await waitFor(
      'bob to get it',
      async () => (await t.deliveryOf(event.id, bobs.id))?.status === 'succeeded',
    );
    const [{ id: messageId }] = await t.dataSource.query(
      `SELECT m.id FROM notifications.messages m JOIN notifications.deliveries d ON d.message_id = m.id WHERE d.endpoint_id = $1`,
      [bobs.id],
    );

    expect((await t.api(alice, 'GET', `/v1/messages/${messageId}/attempts`)).status).toBe(404);
    expect(
      (await t.api(alice, 'POST', `/v1/messages/${messageId}/replay`, { endpointId: bobs.id }))
        .status,
    ).toBe(404);
    const listed = (await t.api(alice, 'GET', '/v1/messages')).body['data'] as { id: string }[];
    expect(listed.map((m) => m.id)).not.toContain(messageId);
    expect((await t.api(bob, 'GET', `/v1/messages/${messageId}/attempts`)).status).toBe(200);
  });
});

describe('partner isolation', () => {
  let t: NotificationsTestApp;

  beforeAll(async () => {
    t = await startNotificationsApp('isolation');
  });

  afterAll(() => t?.close());

  it("never lets one partner see or touch another's endpoints, secrets or attempts", async () => {
    const [alice, bob] = [await t.createPartner('Alice'), await t.createPartner('Bob')];
    const bobs = await t.createEndpoint(bob, { url: 'http://127.0.0.1:9/hook' });

    for (const [method, path, body] of [
      ['GET', `/v1/endpoints/${bobs.id}`],
      ['PATCH', `/v1/endpoints/${bobs.id}`, { enabled: false }],
      ['GET', `/v1/endpoints/${bobs.id}/secret`],
      ['POST', `/v1/endpoints/${bobs.id}/secret/rotate`, {}],
      ['GET', `/v1/endpoints/${bobs.id}/attempts`],
    ] as const) {
      const res = await t.api(alice, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect((await t.api(alice, 'GET', '/v1/endpoints')).body['data']).toEqual([]);
    expect((await t.api(bob, 'GET', `/v1/endpoints/${bobs.id}`)).body['enabled']).toBe(true);
  });

  it('refuses an endpoint URL that points at a private address, with 422 unsafe_url', async () => {
    const key = await t.createPartner();

    const res = await t.api(key, 'POST', '/v1/endpoints', {
      url: 'http://169.254.169.254/',
      eventTypes: ['order.*'],
    });

    expect(res.status).toBe(422);
    expect(res.body['error']).toMatchObject({ code: 'unsafe_url' });
  });

  // This app allows 127.0.0.0/8 but not ::1: localhost names, which stand for both, stay refused,
  // and so do IPv4-compatible IPv6 addresses, which an IPv4 allowance never opens.
  const localForms = [
    ['http://localhost:9000/hook', 'localhost (::1) is a loopback address'],
    ['http://LOCALHOST.:9000/hook', 'localhost. (::1) is a loopback address'],
    ['http://api.localhost/hook', 'api.localhost (::1) is a loopback address'],
    ['http://a.b.LocalHost./hook', 'a.b.localhost. (::1) is a loopback address'],
    ['http://[::127.0.0.1]/hook', '::7f00:1 is an ipv4Compatible address'],
    ['http://[::7f00:1]/hook', '::7f00:1 is an ipv4Compatible address'],
    ['http://[::a00:1]/hook', '::a00:1 is an ipv4Compatible address'],
  ] as const;

  it.each(localForms)(
    'refuses to create an endpoint at %s with 422 unsafe_url',
    async (url, reason) => {
      // Given a partner
      const key = await t.createPartner();

      // When it registers an endpoint at a name or address that means this machine
      const res = await t.api(key, 'POST', '/v1/endpoints', { url, eventTypes: ['order.*'] });

      // Then it is refused, saying why and how an operator would allow it, and nothing is stored
      expect(res.status).toBe(422);
      expect(res.body).toEqual({
        error: {
          code: 'unsafe_url',
          message: `${reason}; webhooks go only to public addresses (an operator can allow networks with DELIVERY_ALLOWED_NETWORKS)`,
        },
      });
      expect((await t.api(key, 'GET', '/v1/endpoints')).body['data']).toEqual([]);
    },
  );

  it.each(localForms)(
    'refuses to move an endpoint to %s with 422 unsafe_url, keeping its URL',
    async (url, reason) => {
      // Given an endpoint at an allowed address
      const key = await t.createPartner();
      const endpoint = await t.createEndpoint(key, { url: 'http://127.0.0.1:9/hook' });

      // When its URL is changed to a name or address that means this machine
      const res = await t.api(key, 'PATCH', `/v1/endpoints/${endpoint.id}`, { url });

      // Then the change is refused and the endpoint keeps its URL
      expect(res.status).toBe(422);
      expect(res.body['error']).toMatchObject({
        code: 'unsafe_url',
        message: expect.stringContaining(reason),
      });
      expect((await t.api(key, 'GET', `/v1/endpoints/${endpoint.id}`)).body['url']).toBe(
        'http://127.0.0.1:9/hook',
      );
    },
  );

  it('accepts a DNS name at registration: it is checked at every connection instead', async () => {
    const key = await t.createPartner();

    const res = await t.api(key, 'POST', '/v1/endpoints', {
      url: 'http://hooks.partner.test:9/hook',
      eventTypes: ['order.*'],
    });

    expect(res.status).toBe(201);
  });

  it('pages through its endpoints oldest first, each once, with an opaque cursor', async () => {
    // Given a partner with three endpoints
    const key = await t.createPartner();
    const created: string[] = [];
    for (const port of [1, 2, 3]) {
      created.push((await t.createEndpoint(key, { url: `http://127.0.0.1:${port}/hook` })).id);
    }

    // When it lists them two at a time
    const first = await t.api(key, 'GET', '/v1/endpoints?limit=2');
    const second = await t.api(
      key,
      'GET',
      `/v1/endpoints?limit=2&cursor=${first.body['nextCursor'] as string}`,
    );

    // Then it sees each endpoint once, in the order they were made, and the last page says so
    const ids = [
      ...(first.body['data'] as { id: string }[]),
      ...(second.body['data'] as { id: string }[]),
    ].map((e) => e.id);
    expect(ids).toEqual(created);
    expect(second.body['nextCursor']).toBeNull();
  });

  it('refuses an unknown API key with 401', async () => {
    expect((await t.api('sy_not_a_key', 'GET', '/v1/endpoints')).status).toBe(401);
  });
});
