import { encodeCursor } from '@switchyard/service';
import {
  type BadRequestProbe,
  checkedInOpenApi,
  expectedRefusal,
  refusalOf,
  sendProbe,
  undocumentedRefusals,
} from '@switchyard/service-testing';
import { randomBytes } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../testing/notifications-app.test-helper';

/** Stand for the ids of the partner's own endpoint and message, made before the probes run. */
const ENDPOINT = '{endpoint}';
const MESSAGE = '{message}';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const endpoint = (overrides: Record<string, unknown> = {}) => ({
  url: 'http://127.0.0.1:9/hook',
  eventTypes: ['order.*'],
  ...overrides,
});

/** A filter nested deeper than the 6 levels allowed. */
function deepFilter(depth: number): unknown {
  let filter: unknown = { 'data.amount': 1 };
  for (let i = 0; i < depth; i++) filter = { $and: [filter] };
  return filter;
}

/** Letters that do not compress, so Postgres stores them at full length. */
const randomLetters = (n: number) =>
  Array.from(randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('');

/** An array nested far deeper than any call stack. */
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Every public route of notifications, sent what partners get wrong. None may answer 500. */
function probes(): BadRequestProbe[] {
  return [
    // POST /v1/partners (operators)
    {
      given: 'a partner without a name',
      method: 'POST',
      path: '/v1/partners',
      json: {},
      headers: admin,
      status: 400,
      code: 'invalid_request',
      message: /name is required/,
    },
    {
      given: 'a partner name with a NUL character',
      method: 'POST',
      path: '/v1/partners',
      json: { name: 'Acme\u0000' },
      headers: admin,
      status: 400,
      code: 'invalid_request',
      message: /name must not contain the NUL character/,
    },
    {
      given: 'a partner name over 200 characters',
      method: 'POST',
      path: '/v1/partners',
      json: { name: 'A'.repeat(201) },
      headers: admin,
      status: 400,
      code: 'invalid_request',
      message: /name must be at most 200 characters/,
    },
    {
      given: 'a partner without the admin token',
      method: 'POST',
      path: '/v1/partners',
      json: { name: 'Acme' },
      status: 401,
      code: 'invalid_admin_token',
      message: /ADMIN_TOKEN/,
    },
    // Partner authentication
    {
      given: 'no API key',
      method: 'GET',
      path: '/v1/endpoints',
      headers: { authorization: '' },
      status: 401,
      code: 'missing_credentials',
      message: /Bearer/,
    },
    {
      given: 'an API key that is not one',
      method: 'GET',
      path: '/v1/endpoints',
      headers: { authorization: 'Bearer sk_nobody' },
      status: 401,
      code: 'invalid_api_key',
      message: /API key/,
    },
    // POST /v1/endpoints
    {
      given: 'an endpoint body that is not JSON',
      method: 'POST',
      path: '/v1/endpoints',
      raw: '{"url":',
      status: 400,
      code: 'invalid_json',
      message: /not valid JSON/,
    },
    {
      given: 'an endpoint URL that is not http(s)',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ url: 'ftp://127.0.0.1/hook' }),
      status: 400,
      code: 'invalid_request',
      message: /url must be an http\(s\) URL/,
    },
    {
      given: 'event types as a string instead of a list',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ eventTypes: 'order.*' }),
      status: 400,
      code: 'invalid_request',
      message: /eventTypes must be an array, not a string/,
    },
    {
      given: 'an event type that is no pattern',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ eventTypes: ['ORDER PAID'] }),
      status: 400,
      code: 'invalid_request',
      message: /eventTypes\.0 must be an event type/,
    },
    {
      given: 'an event type of 8,000 characters',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ eventTypes: [`order.${randomLetters(8_000)}`] }),
      status: 400,
      code: 'invalid_request',
      message: /eventTypes\.0 must be at most 100 characters/,
    },
    {
      given: 'a custom header with a name HTTP does not allow',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ headers: { 'x bad': 'v' } }),
      status: 400,
      code: 'invalid_request',
      message: /headers\.x bad is not an allowed name: use 1 to 64 letters, digits and dashes/,
    },
    {
      given: 'a custom header value with a line break',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ headers: { 'x-tenant': 'acme\r\nx-injected: 1' } }),
      status: 400,
      code: 'invalid_request',
      message: /headers\.x-tenant must be printable ASCII or Latin-1/,
    },
    {
      given: 'a rate limit of 1e400',
      method: 'POST',
      path: '/v1/endpoints',
      raw: '{"url":"http://127.0.0.1:9/hook","eventTypes":["order.*"],"rateLimitPerSecond":1e400}',
      status: 400,
      code: 'invalid_request',
      message: /rateLimitPerSecond must be a finite number/,
    },
    {
      given: 'a negative rate limit',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ rateLimitPerSecond: -5 }),
      status: 400,
      code: 'invalid_request',
      message: /rateLimitPerSecond must be at least 1/,
    },
    {
      given: 'a retry schedule that shrinks',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ retrySchedule: '5m,1s' }),
      status: 400,
      code: 'invalid_request',
      message: /retrySchedule must be a comma-separated list/,
    },
    {
      given: 'a filter with an operator that is not allowed',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ filter: { 'data.amount': { $where: 'true' } } }),
      status: 422,
      code: 'invalid_filter',
      message: /\$where/,
    },
    {
      given: 'a filter nested 20 deep',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ filter: deepFilter(20) }),
      status: 422,
      code: 'invalid_filter',
      message: /nests deeper than 6 levels/,
    },
    {
      given: 'a filter that is an array nested 100,000 deep',
      method: 'POST',
      path: '/v1/endpoints',
      raw: `{"url":"http://127.0.0.1:9/hook","eventTypes":["order.*"],"filter":${deepArray(100_000)}}`,
      status: 400,
      code: 'invalid_json',
      message: /nest deeper than 64 levels/,
    },
    {
      given: 'a description with an unpaired surrogate',
      method: 'POST',
      path: '/v1/endpoints',
      raw: '{"url":"http://127.0.0.1:9/hook","eventTypes":["order.*"],"description":"\\ud83d"}',
      status: 400,
      code: 'invalid_request',
      message: /description must be valid Unicode/,
    },
    {
      given: 'a payload mode that does not exist',
      method: 'POST',
      path: '/v1/endpoints',
      json: endpoint({ payloadMode: 'fat' }),
      status: 400,
      code: 'invalid_request',
      message: /payloadMode must be one of "full", "thin"/,
    },
    // GET /v1/endpoints
    {
      given: 'an endpoints limit above 100',
      method: 'GET',
      path: '/v1/endpoints?limit=101',
      status: 400,
      code: 'invalid_query',
      message: /limit must be at most 100/,
    },
    {
      given: 'an endpoints cursor this API did not return',
      method: 'GET',
      path: `/v1/endpoints?cursor=${encodeCursor(['yesterday', 'x'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /pass nextCursor as it came/,
    },
    {
      given: 'an unknown endpoints parameter',
      method: 'GET',
      path: '/v1/endpoints?page=2',
      status: 400,
      code: 'invalid_query',
      message: /unknown parameter "page"/,
    },
    // GET, PATCH /v1/endpoints/:id and its secret
    {
      given: 'an endpoint id that is not a uuid',
      method: 'GET',
      path: '/v1/endpoints/not-a-uuid',
      status: 404,
      code: 'endpoint_not_found',
      message: /endpoint/,
    },
    {
      given: 'an empty change',
      method: 'PATCH',
      path: `/v1/endpoints/${ENDPOINT}`,
      json: {},
      status: 400,
      code: 'invalid_request',
      message: /send at least one field to change/,
    },
    {
      given: 'enabled as a string',
      method: 'PATCH',
      path: `/v1/endpoints/${ENDPOINT}`,
      json: { enabled: 'yes' },
      status: 400,
      code: 'invalid_request',
      message: /enabled must be true or false, not a string/,
    },
    {
      given: 'a change as an array',
      method: 'PATCH',
      path: `/v1/endpoints/${ENDPOINT}`,
      json: [{ enabled: false }],
      status: 400,
      code: 'invalid_request',
      message: /must be an object, not an array/,
    },
    {
      given: 'the secret of an endpoint id that is not a uuid',
      method: 'GET',
      path: '/v1/endpoints/%00/secret',
      status: 404,
      code: 'endpoint_not_found',
      message: /endpoint/,
    },
    {
      given: 'a rotation grace period over a week',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/secret/rotate`,
      json: { graceSeconds: 7 * 86_400 + 1 },
      status: 400,
      code: 'invalid_request',
      message: /graceSeconds must be at most 604800/,
    },
    {
      given: 'a rotation grace period as text',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/secret/rotate`,
      json: { graceSeconds: 'a day' },
      status: 400,
      code: 'invalid_request',
      message: /graceSeconds must be a number/,
    },
    // GET /v1/endpoints/:id/attempts
    {
      given: 'an attempts status that does not exist',
      method: 'GET',
      path: `/v1/endpoints/${ENDPOINT}/attempts?status=pending`,
      status: 400,
      code: 'invalid_query',
      message: /status must be one of "succeeded", "failed"/,
    },
    {
      given: 'an attempts cursor that is not one this API returned',
      method: 'GET',
      path: `/v1/endpoints/${ENDPOINT}/attempts?cursor=${'9'.repeat(30)}`,
      status: 400,
      code: 'invalid_cursor',
      message: /pass nextCursor as it came/,
    },
    {
      given: 'an attempts cursor of an id past bigint',
      method: 'GET',
      path: `/v1/endpoints/${ENDPOINT}/attempts?cursor=${encodeCursor(['9'.repeat(30)])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /pass nextCursor as it came/,
    },
    {
      given: 'an attempts cursor over 500 characters',
      method: 'GET',
      path: `/v1/endpoints/${ENDPOINT}/attempts?cursor=${'a'.repeat(501)}`,
      status: 400,
      code: 'invalid_query',
      message: /cursor must be a nextCursor as returned/,
    },
    {
      given: 'an unknown attempts parameter',
      method: 'GET',
      path: `/v1/endpoints/${ENDPOINT}/attempts?page=2`,
      status: 400,
      code: 'invalid_query',
      message: /unknown parameter "page"/,
    },
    // POST /v1/endpoints/:id/replay
    {
      given: 'a replay of an endpoint id that is not a uuid',
      method: 'POST',
      path: '/v1/endpoints/not-a-uuid/replay',
      json: { since: '2025-01-01T00:00:00Z' },
      status: 404,
      code: 'endpoint_not_found',
      message: /endpoint/,
    },
    {
      given: 'a replay since a time that is not ISO 8601',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/replay`,
      json: { since: 'yesterday' },
      status: 400,
      code: 'invalid_request',
      message: /since must be an ISO 8601 date and time/,
    },
    {
      given: 'a replay since year 0',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/replay`,
      json: { since: '0000-06-01T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /since must be in year 1 or later/,
    },
    // GET /v1/messages and a message's attempts and replay
    {
      given: 'a messages limit above 200',
      method: 'GET',
      path: '/v1/messages?limit=201',
      status: 400,
      code: 'invalid_query',
      message: /query string is invalid: limit must be at most 200/,
    },
    {
      given: 'a messages cursor this API did not return',
      method: 'GET',
      path: '/v1/messages?cursor=zzz',
      status: 400,
      code: 'invalid_cursor',
      message: /pass nextCursor as it came/,
    },
    {
      given: 'a messages cursor that holds no message id',
      method: 'GET',
      path: `/v1/messages?cursor=${encodeCursor(['msg_1'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /pass nextCursor as it came/,
    },
    {
      given: 'a messages subject with a NUL character',
      method: 'GET',
      path: '/v1/messages?subject=%00',
      status: 400,
      code: 'invalid_query',
      message: /subject must not contain the NUL character/,
    },
    {
      given: 'an unknown messages parameter',
      method: 'GET',
      path: '/v1/messages?event_type=order.paid',
      status: 400,
      code: 'invalid_query',
      message: /unknown parameter "event_type"/,
    },
    {
      given: 'the attempts of a message id with a NUL character',
      method: 'GET',
      path: '/v1/messages/msg_%00/attempts',
      status: 404,
      code: 'message_not_found',
      message: /message/,
    },
    {
      given: 'a replay of a message to an endpoint id that is not a uuid',
      method: 'POST',
      path: `/v1/messages/${MESSAGE}/replay`,
      json: { endpointId: 'all' },
      status: 400,
      code: 'invalid_request',
      message: /endpointId must be a UUID/,
    },
    {
      given: 'a replay of a message id with a NUL character',
      method: 'POST',
      path: '/v1/messages/%00/replay',
      json: { endpointId: '0b6f4c1e-5d1a-4c3e-9f0a-2a7d3c9e8b41' },
      status: 404,
      code: 'message_not_found',
      message: /message/,
    },
    // POST /v1/replay
    {
      given: 'a range replay that ends before it starts',
      method: 'POST',
      path: '/v1/replay',
      json: { eventType: 'order.paid', from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be before "to"/,
    },
    {
      given: 'a range replay from year 0',
      method: 'POST',
      path: '/v1/replay',
      json: { eventType: 'order.paid', from: '0000-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be in year 1 or later/,
    },
    {
      given: 'a range replay without an event type',
      method: 'POST',
      path: '/v1/replay',
      json: { from: '2025-01-01T00:00:00Z', to: '2025-01-02T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /eventType is required/,
    },
    // GET /v1/events/:id
    {
      given: 'an event id of 36 dashes',
      method: 'GET',
      path: `/v1/events/${'-'.repeat(36)}`,
      status: 404,
      code: 'event_not_found',
      message: /event/,
    },
    // Filter dry runs
    {
      given: 'a filter test without an event',
      method: 'POST',
      path: '/v1/filters/test',
      json: { filter: { type: 'order.paid' } },
      status: 400,
      code: 'invalid_request',
      message: /event is required/,
    },
    {
      given: 'a filter test whose event is an array nested 100,000 deep',
      method: 'POST',
      path: '/v1/filters/test',
      raw: `{"filter":{"data.amount":1},"event":{"data":${deepArray(100_000)}}}`,
      status: 400,
      code: 'invalid_json',
      message: /nest deeper than 64 levels/,
    },
    {
      given: 'a filter test of an endpoint with both an event and a message',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/filter/test`,
      json: { event: { type: 'order.paid' }, messageId: MESSAGE },
      status: 400,
      code: 'invalid_request',
      message: /send either "event"/,
    },
    {
      given: 'a filter test of an endpoint against a message id with a NUL character',
      method: 'POST',
      path: `/v1/endpoints/${ENDPOINT}/filter/test`,
      json: { messageId: 'msg_\u0000' },
      status: 400,
      code: 'invalid_request',
      message: /messageId/,
    },
    {
      given: 'a filter test of an endpoint id that is not a uuid',
      method: 'POST',
      path: '/v1/endpoints/42/filter/test',
      json: { event: { type: 'order.paid' } },
      status: 404,
      code: 'endpoint_not_found',
      message: /endpoint/,
    },
    // /v1/devices (the shop's backend; the admin token is accepted)
    {
      given: 'a device registration with a partner API key',
      method: 'POST',
      path: '/v1/devices',
      json: { customerId: 'cus_1', platform: 'fcm', token: 'tok', app: 'example-shop' },
      status: 401,
      code: 'invalid_devices_token',
      message: /DEVICES_API_TOKEN/,
    },
    {
      given: 'a device whose APNs token is not hex',
      method: 'POST',
      path: '/v1/devices',
      json: {
        customerId: 'cus_1',
        platform: 'apns',
        token: 'z'.repeat(64),
        app: 'com.example.shop',
        environment: 'production',
      },
      headers: admin,
      status: 400,
      code: 'invalid_request',
      message: /64 hexadecimal digits/,
    },
    {
      given: "a customer's devices without the customer",
      method: 'GET',
      path: '/v1/devices',
      headers: admin,
      status: 400,
      code: 'invalid_query',
      message: /customerId/,
    },
    {
      given: 'a device id that is not a uuid',
      method: 'GET',
      path: '/v1/devices/42',
      headers: admin,
      status: 404,
      code: 'device_not_found',
      message: /device/,
    },
    {
      given: "a customer's push attempts without the customer",
      method: 'GET',
      path: '/v1/push-attempts?limit=5',
      headers: admin,
      status: 400,
      code: 'invalid_query',
      message: /customerId/,
    },
    {
      given: "a customer's push attempts with a cursor this API never gave",
      method: 'GET',
      path: '/v1/push-attempts?customerId=cus_1&cursor=bogus',
      headers: admin,
      status: 400,
      code: 'invalid_cursor',
      message: /cursor/,
    },
    {
      given: 'the push attempts of a device that does not exist',
      method: 'GET',
      path: '/v1/devices/00000000-0000-4000-8000-000000000000/attempts',
      headers: admin,
      status: 404,
      code: 'device_not_found',
      message: /device/,
    },
    {
      given: 'the removal of a device that does not exist',
      method: 'DELETE',
      path: '/v1/devices/00000000-0000-4000-8000-000000000000',
      headers: admin,
      status: 404,
      code: 'device_not_found',
      message: /device/,
    },
  ];
}

describe('notifications refuses every bad request with a 4xx, a code and a message (real Postgres and Kafka)', () => {
  let t: NotificationsTestApp;
  let auth: Record<string, string>;
  let endpointId: string;
  let messageId: string;

  beforeAll(async () => {
    t = await startNotificationsApp('notifications_bad_requests');
    const apiKey = await t.createPartner();
    auth = { authorization: `Bearer ${apiKey}` };
    endpointId = (await t.createEndpoint(apiKey, { url: 'http://127.0.0.1:9/hook' })).id;
    messageId = 'msg_00000000-0000-7000-8000-000000000000';
  });

  afterAll(() => t?.close());

  async function countRows(): Promise<Record<string, number>> {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM notifications.partners) AS partners,
              (SELECT count(*)::int FROM notifications.endpoints) AS endpoints,
              (SELECT count(*)::int FROM notifications.deliveries) AS deliveries`,
    );
    return row;
  }

  it('lists each of these refusals in docs/openapi/notifications.json, under its route and status', () => {
    expect(undocumentedRefusals(checkedInOpenApi('notifications'), probes())).toEqual([]);
  });

  it.each(probes().map((p) => [p.given, p]))(
    'answers %s with a 4xx, a code and a message, and stores nothing',
    async (_given, template) => {
      // Given a malformed request (about the partner's own endpoint or message, where it names one)
      const fill = (text: string) =>
        text.replaceAll(ENDPOINT, endpointId).replaceAll(MESSAGE, messageId);
      const probe = {
        ...template,
        path: fill(template.path),
        ...(template.json !== undefined
          ? { json: JSON.parse(fill(JSON.stringify(template.json))) as unknown }
          : {}),
      };
      const before = await countRows();

      // When it is sent with the partner's API key (unless the probe says otherwise)
      const answer = await sendProbe(t.url, probe, auth);

      // Then it is refused with the expected status, code and a message saying what to fix
      expect(refusalOf(answer)).toEqual(expectedRefusal(probe));
      // And nothing was stored
      expect(await countRows()).toEqual(before);
    },
  );
});
