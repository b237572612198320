import { type ScriptedReceiver, waitFor } from '@switchyard/testing';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
} from '../../testing/notifications-app.test-helper';

describe('conditional subscriptions and thin payloads (real Kafka and Postgres)', () => {
  let bed: DeliveryBed | undefined;
  let t: NotificationsTestApp, receiver: ScriptedReceiver, apiKey: string;

  const over100 = {
    type: 'payment.succeeded',
    'data.amount': { $gt: 10000 },
    'data.currency': 'usd',
  };

  beforeAll(async () => {
    bed = await startDeliveryBed('filters');
    ({ t, receiver, apiKey } = bed);
  });
  afterAll(() => bed?.close());

  const deliveryStatus = async (eventId: string, endpointId: string) =>
    (await t.deliveryOf(eventId, endpointId))?.status;

  it('delivers a $101 payment and not a $99 one, and the message log says why', async () => {
    // Given an endpoint that wants payments over $100 in usd
    const endpoint = await t.createEndpoint(apiKey, {
      url: receiver.url('/big'),
      eventTypes: ['payment.succeeded'],
    });
    const patched = await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, {
      filter: over100,
    });
    expect(patched.body['filter']).toEqual(over100);

    // When a $99 and a $101 payment happen
    const small = await t.publishPayment(9900);
    const big = await t.publishPayment(10100);

    // Then only the $101 one is delivered, and the $99 one is logged as filtered, with the reason
    await waitFor(
      'the $101 payment',
      async () => (await deliveryStatus(big.id, endpoint.id)) === 'succeeded',
    );
    await waitFor(
      'the $99 payment to be filtered',
      async () => (await deliveryStatus(small.id, endpoint.id)) === 'filtered',
    );
    expect(
      receiver.requestsTo('/big').map((r) => (JSON.parse(r.body) as { id: string }).id),
    ).toEqual([big.id]);
    const log = await t.api(apiKey, 'GET', `/v1/messages?subject=${small.subject}`);
    expect((log.body['data'] as { deliveries: unknown[] }[])[0]?.deliveries).toEqual([
      {
        endpointId: endpoint.id,
        status: 'filtered',
        attempts: 0,
        reason: 'data.amount {"$gt":10000} did not match: the event has 9900',
      },
    ]);
  });

  it('fans one event out to several partners and filtered endpoints at once, and follows a filter once it changes', async () => {
    // Given two new partners: one with a usd and a eur endpoint, one with an endpoint over $50
    const [shop, other] = [await t.createPartner('Shop'), await t.createPartner('Other')];
    const [usd, eur, over50] = [
      await t.createEndpoint(shop, { url: receiver.url('/usd'), eventTypes: ['payment.*'] }),
      await t.createEndpoint(shop, { url: receiver.url('/eur'), eventTypes: ['payment.*'] }),
      await t.createEndpoint(other, { url: receiver.url('/50'), eventTypes: ['payment.*'] }),
    ];
    const filterOf = async (key: string, id: string, filter: unknown) =>
      t.api(key, 'PATCH', `/v1/endpoints/${id}`, { filter });
    await filterOf(shop, usd.id, { 'data.currency': 'usd' });
    await filterOf(shop, eur.id, { 'data.currency': { $in: ['eur'] } });
    await filterOf(other, over50.id, { 'data.amount': { $gt: 5000 } });

    // When a $60 usd payment happens
    const first = await t.publishPayment(6000, 'usd');

    // Then it goes to the usd endpoint and to the other partner, one message each, and the eur
    // endpoint has it filtered, saying why
    await waitFor(
      'the first payment',
      async () =>
        (await deliveryStatus(first.id, usd.id)) === 'succeeded' &&
        (await deliveryStatus(first.id, over50.id)) === 'succeeded',
    );
    expect(await deliveryStatus(first.id, eur.id)).toBe('filtered');
    const rows: { partner_id: string; deliveries: number; reasons: (string | null)[] }[] =
      await t.dataSource.query(
        `SELECT m.partner_id, count(d.id)::int AS deliveries, array_agg(d.last_error) AS reasons
         FROM notifications.messages m JOIN notifications.deliveries d ON d.message_id = m.id
         WHERE m.event_id = $1 AND d.endpoint_id = ANY($2::uuid[]) GROUP BY m.partner_id`,
        [first.id, [usd, eur, over50].map((e) => e.id)],
      );
    expect(rows.map((r) => r.deliveries).sort()).toEqual([1, 2]);
    expect(rows.flatMap((r) => r.reasons).filter((r) => r !== null)).toEqual([
      'data.currency {"$in":["eur"]} did not match: the event has "usd"',
    ]);

    // And when the usd endpoint switches to eur, the next usd payment is filtered for it
    await filterOf(shop, usd.id, { 'data.currency': 'eur' });
    const second = await t.publishPayment(6000, 'usd');
    await waitFor(
      'the second payment',
      async () => (await deliveryStatus(second.id, over50.id)) === 'succeeded',
    );
    expect(await deliveryStatus(second.id, usd.id)).toBe('filtered');
    expect(await deliveryStatus(second.id, eur.id)).toBe('filtered');
  });

  it('refuses a filter with an unknown operator, a bad path or a wrong value type, naming the part', async () => {
    const cases = [
      [{ 'data.amount': { $gtt: 1 } }, 'data.amount.$gtt'],
      [{ 'body.amount': 1 }, 'body.amount'],
      [{ 'data.currency': { $in: 'usd' } }, 'data.currency.$in'],
    ] as const;
    for (const [filter, path] of cases) {
      const res = await t.api(apiKey, 'POST', '/v1/endpoints', {
        url: receiver.url('/x'),
        eventTypes: ['payment.*'],
        filter,
      });
      expect([path, res.status]).toEqual([path, 422]);
      expect(res.body['error']).toMatchObject({ code: 'invalid_filter', details: [{ path }] });
    }
  });

  it('answers dry runs: a proposed filter against a sample, and an endpoint filter against a past message', async () => {
    const sample = { type: 'payment.succeeded', data: { amount: 20000, currency: 'usd' } };
    expect(
      (await t.api(apiKey, 'POST', '/v1/filters/test', { filter: over100, event: sample })).body,
    ).toEqual({ match: true });

    const endpoint = await t.createEndpoint(apiKey, {
      url: receiver.url('/dry'),
      eventTypes: ['payment.succeeded'],
    });
    await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { filter: over100 });
    const small = await t.publishPayment(9900);
    await waitFor(
      'the message',
      async () => (await deliveryStatus(small.id, endpoint.id)) === 'filtered',
    );
    const [{ id: messageId }] = await t.dataSource.query(
      'SELECT id FROM notifications.messages WHERE event_id = $1',
      [small.id],
    );

    const current = await t.api(apiKey, 'POST', `/v1/endpoints/${endpoint.id}/filter/test`, {
      messageId,
    });
    const proposed = await t.api(apiKey, 'POST', `/v1/endpoints/${endpoint.id}/filter/test`, {
      messageId,
      filter: { 'data.amount': { $gte: 5000 } },
    });

    expect(current.body).toEqual({
      match: false,
      reason: 'data.amount {"$gt":10000} did not match: the event has 9900',
    });
    expect(proposed.body).toEqual({ match: true });
  });

  it('sends a thin payload that links to the full event, which only this partner can fetch', async () => {
    const endpoint = await t.createEndpoint(apiKey, {
      url: receiver.url('/thin'),
      eventTypes: ['payment.succeeded'],
    });
    await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { payloadMode: 'thin' });

    const event = await t.publishPayment(4200);
    await waitFor(
      'the thin webhook',
      async () => (await deliveryStatus(event.id, endpoint.id)) === 'succeeded',
    );

    const [request] = receiver.requestsTo('/thin');
    const thin = JSON.parse(request?.body ?? '{}') as Record<string, string>;
    expect(Object.keys(thin).sort()).toEqual(['id', 'occurredAt', 'subject', 'type', 'url']);
    expect(thin['url']).toMatch(new RegExp(`/v1/events/${event.id}$`));
    const eventUrl = `${t.url}/v1/events/${event.id}`;
    const full = await fetch(eventUrl, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(await full.json()).toEqual(JSON.parse(JSON.stringify(event)));
    const stranger = await t.createPartner('Stranger');
    const refused = await fetch(eventUrl, {
      headers: { authorization: `Bearer ${stranger}` },
    });
    expect(refused.status).toBe(404);
  });
});
