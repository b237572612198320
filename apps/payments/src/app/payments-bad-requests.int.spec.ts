import {
  type BadRequestProbe,
  checkedInOpenApi,
  expectedRefusal,
  refusalOf,
  sendProbe,
  undocumentedRefusals,
} from '@switchyard/service-testing';
import { generateStripeSignatureHeader } from '@switchyard/signing';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type PaymentsTestApp,
  startPaymentsApp,
  WEBHOOK_SECRET,
} from '../testing/payments-app.test-helper';

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

/** A Stripe event, signed with the right secret, as raw bytes: it passes the signature check. */
function signedEvent(event: Record<string, unknown>, raw = JSON.stringify(event)) {
  return {
    raw,
    headers: {
      'stripe-signature': generateStripeSignatureHeader(
        WEBHOOK_SECRET,
        raw,
        Math.floor(Date.now() / 1000),
      ),
    },
  };
}

const stripeEvent = (overrides: Record<string, unknown> = {}) => ({
  id: `evt_${randomUUID().replace(/-/g, '')}`,
  object: 'event',
  type: 'payment_intent.succeeded',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  data: { object: {} },
  ...overrides,
});

/** Every public route of payments, sent what clients (and forgers) get wrong. None may answer 500. */
function probes(): BadRequestProbe[] {
  return [
    // GET /payments/:orderId
    {
      given: 'an order id that is not a uuid',
      method: 'GET',
      path: '/payments/not-a-uuid',
      status: 404,
      code: 'payment_not_found',
      message: /PaymentIntent/,
    },
    {
      given: 'an order id with a NUL character',
      method: 'GET',
      path: '/payments/%00',
      status: 404,
      code: 'payment_not_found',
      message: /PaymentIntent/,
    },
    {
      given: 'an order id longer than a path parameter may be',
      method: 'GET',
      path: `/payments/${'1'.repeat(500)}`,
      status: 414,
      code: 'path_parameter_too_long',
      message: /100 characters/,
    },
    // POST /webhooks/stripe, beyond the signature checks of stripe-webhook.int.spec.ts
    {
      given: 'a signed event whose created is not a whole number',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent(stripeEvent({ created: 1.5 })),
      status: 400,
      code: 'invalid_event',
      message: /created/,
    },
    {
      given: 'a signed event whose created is beyond any date (1e300)',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent(stripeEvent({ created: 1e300 })),
      status: 400,
      code: 'invalid_event',
      message: /created/,
    },
    {
      given: 'a signed event whose type holds a NUL character',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent(stripeEvent({ type: 'payment_intent.succeeded\u0000' })),
      status: 400,
      code: 'invalid_event',
      message: /NUL character/,
    },
    {
      given: 'a signed event with an unpaired surrogate in its data',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent(
        {},
        JSON.stringify(stripeEvent({ data: { object: { description: 'x' } } })).replace(
          '"x"',
          '"\\udc00"',
        ),
      ),
      status: 400,
      code: 'invalid_event',
      message: /Unicode/,
    },
    {
      given: 'a signed event whose id is longer than an index entry may be',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent(stripeEvent({ id: `evt_${randomBytes(3000).toString('hex')}` })),
      status: 400,
      code: 'invalid_event',
      message: /id must be at most 255 characters/,
    },
    {
      given: 'a signed array instead of an event',
      method: 'POST',
      path: '/webhooks/stripe',
      ...signedEvent({}, JSON.stringify([stripeEvent()])),
      status: 400,
      code: 'invalid_event',
      message: /Stripe event/,
    },
    {
      given: 'a signature header with a timestamp that is not a number',
      method: 'POST',
      path: '/webhooks/stripe',
      raw: JSON.stringify(stripeEvent()),
      headers: { 'stripe-signature': 't=soon,v1=abc' },
      status: 400,
      code: 'signature_malformed_header',
      message: /./,
    },
    {
      given: 'a signature header with a timestamp of 400 digits',
      method: 'POST',
      path: '/webhooks/stripe',
      raw: JSON.stringify(stripeEvent()),
      headers: { 'stripe-signature': `t=${'9'.repeat(400)},v1=abc` },
      status: 400,
      code: 'signature_malformed_header',
      message: /./,
    },
    // GET /admin/stripe-events
    {
      given: 'no admin token',
      method: 'GET',
      path: '/admin/stripe-events',
      headers: { authorization: '' },
      status: 401,
      code: 'invalid_admin_token',
      message: /ADMIN_TOKEN/,
    },
    {
      given: 'a limit of 0',
      method: 'GET',
      path: '/admin/stripe-events?limit=0',
      status: 400,
      code: 'invalid_query',
      message: /query string is invalid: limit must be at least 1/,
    },
    {
      given: 'a limit that is not a number',
      method: 'GET',
      path: '/admin/stripe-events?limit=all',
      status: 400,
      code: 'invalid_query',
      message: /limit must be a number/,
    },
    {
      given: 'an unknown status',
      method: 'GET',
      path: '/admin/stripe-events?status=lost',
      status: 400,
      code: 'invalid_query',
      message: /status must be one of/,
    },
    {
      given: 'an unknown query parameter',
      method: 'GET',
      path: '/admin/stripe-events?since=yesterday',
      status: 400,
      code: 'invalid_query',
      message: /unknown parameter "since"/,
    },
    {
      given: 'a type with a NUL character',
      method: 'GET',
      path: '/admin/stripe-events?type=charge%00',
      status: 400,
      code: 'invalid_query',
      message: /type must not contain the NUL character/,
    },
    {
      given: 'a type over 100 characters',
      method: 'GET',
      path: `/admin/stripe-events?type=${'t'.repeat(101)}`,
      status: 400,
      code: 'invalid_query',
      message: /type must be at most 100 characters/,
    },
    {
      given: 'a cursor this API did not return',
      method: 'GET',
      path: '/admin/stripe-events?cursor=garbage',
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    {
      given: 'a cursor whose time Postgres cannot read',
      method: 'GET',
      path: `/admin/stripe-events?cursor=${cursor(['1', 'evt_1'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    {
      given: 'a cursor whose id holds a NUL character',
      method: 'GET',
      path: `/admin/stripe-events?cursor=${cursor(['2025-01-01T00:00:00.000Z', 'evt_\u0000'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    {
      given: 'a cursor in year 0, which Postgres has not',
      method: 'GET',
      path: `/admin/stripe-events?cursor=${cursor(['0000-01-01T00:00:00.000Z', 'evt_1'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    // GET /admin/stripe-events/:id and POST .../:id/replay
    {
      given: 'an event id with a NUL character',
      method: 'GET',
      path: '/admin/stripe-events/evt_%00',
      status: 404,
      code: 'stripe_event_not_found',
      message: /evt_/,
    },
    {
      given: 'a replay of an event id with a NUL character',
      method: 'POST',
      path: '/admin/stripe-events/evt_%00/replay',
      status: 404,
      code: 'stripe_event_not_found',
      message: /evt_/,
    },
    // POST /admin/stripe-events/replay
    {
      given: 'a replay range that is not JSON',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      raw: 'from=yesterday',
      status: 400,
      code: 'invalid_json',
      message: /not valid JSON/,
    },
    {
      given: 'a replay range without a time zone',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      json: { from: '2025-01-01T00:00:00', to: '2025-01-02T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be an ISO 8601 date and time/,
    },
    {
      given: 'a replay range on 30 February',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      json: { from: '2025-02-30T00:00:00Z', to: '2025-03-02T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be an ISO 8601 date and time/,
    },
    {
      given: 'a replay range that ends before it starts',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      json: { from: '2025-01-02T00:00:00Z', to: '2025-01-01T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be before "to"/,
    },
    {
      given: 'a replay range in year 0',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      json: { from: '0000-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' },
      status: 400,
      code: 'invalid_request',
      message: /from must be in year 1 or later/,
    },
    {
      given: 'an array as the replay range',
      method: 'POST',
      path: '/admin/stripe-events/replay',
      json: [],
      status: 400,
      code: 'invalid_request',
      message: /must be an object, not an array/,
    },
  ];
}

describe('payments refuses every bad request with a 4xx, a code and a message (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    t = await startPaymentsApp('payments_bad_requests');
  });

  afterAll(() => t?.close());

  async function storedEvents(): Promise<number> {
    const [{ n }] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM payments.stripe_events',
    );
    return n;
  }

  it('lists each of these refusals in docs/openapi/payments.json, under its route and status', () => {
    expect(undocumentedRefusals(checkedInOpenApi('payments'), probes())).toEqual([]);
  });

  it.each(probes().map((p) => [p.given, p]))(
    'answers %s with a 4xx, a code and a message, and stores nothing',
    async (_given, probe) => {
      // Given a malformed request
      const before = await storedEvents();

      // When it is sent (with the admin token, unless the probe says otherwise)
      const answer = await sendProbe(t.url, probe, admin);

      // Then it is refused with the expected status, code and a message saying what to fix
      expect(refusalOf(answer)).toEqual(expectedRefusal(probe));
      // And nothing was stored
      expect(await storedEvents()).toBe(before);
    },
  );
});
