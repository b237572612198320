import {
  type BadRequestProbe,
  checkedInOpenApi,
  expectedRefusal,
  type InProcessService,
  refusalOf,
  sendProbe,
  undocumentedRefusals,
} from '@switchyard/service-testing';
import { encodeCursor } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { startOrdersApp } from '../testing/orders-app.test-helper';

const line = { sku: 'lamp', quantity: 1, unitPrice: 4500 };
const order = (overrides: Record<string, unknown> = {}) => ({
  customerId: 'cus_probe',
  currency: 'usd',
  lines: [line],
  ...overrides,
});
/** Stands for the id of a pending order, made before the probes run. */
const PENDING = '{pending}';

/** Every public route of orders, sent what clients get wrong. None may answer 500. */
function probes(): BadRequestProbe[] {
  return [
    // POST /orders
    {
      given: 'a body that is not JSON',
      method: 'POST',
      path: '/orders',
      raw: '{"customerId":',
      status: 400,
      code: 'invalid_json',
      message: /not valid JSON/,
    },
    {
      given: 'no body at all',
      method: 'POST',
      path: '/orders',
      raw: '',
      status: 400,
      code: 'invalid_request',
      message: /request body is invalid/,
    },
    {
      given: 'an array where an object is expected',
      method: 'POST',
      path: '/orders',
      json: [order()],
      status: 400,
      code: 'invalid_request',
      message: /must be an object, not an array/,
    },
    {
      given: 'a quantity sent as a string',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, quantity: '2' }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.quantity must be a number/,
    },
    {
      given: 'a fractional quantity',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, quantity: 1.5 }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.quantity must be a whole number, not 1\.5/,
    },
    {
      given: 'a negative unit price',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, unitPrice: -1 }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.unitPrice must be at least 1/,
    },
    {
      given: 'a unit price of zero',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, unitPrice: 0 }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.unitPrice must be at least 1/,
    },
    {
      given: 'a quantity too large for JSON numbers (1e400)',
      method: 'POST',
      path: '/orders',
      raw: '{"customerId":"cus_probe","currency":"usd","lines":[{"sku":"lamp","quantity":1e400,"unitPrice":1}]}',
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.quantity must be a finite number/,
    },
    {
      given: 'a quantity above a million',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, quantity: 1_000_001 }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.quantity must be at most 1000000/,
    },
    {
      given: 'quantity 1,000,000 at a unit price of 10^12 (the issue: 500 internal_error)',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, quantity: 1_000_000, unitPrice: 1e12 }] }),
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.unitPrice must be at most 999999999999/,
    },
    {
      given: 'a total of $100,000,000 (the issue: accepted though Stripe cannot charge it)',
      method: 'POST',
      path: '/orders',
      json: order({ lines: [{ ...line, quantity: 1, unitPrice: 10_000_000_000 }] }),
      status: 422,
      code: 'amount_too_large',
      message: /99999999/,
    },
    {
      given: 'lines whose total passes Number.MAX_SAFE_INTEGER',
      method: 'POST',
      path: '/orders',
      json: order({
        lines: Array.from({ length: 100 }, () => ({
          ...line,
          quantity: 1_000_000,
          unitPrice: 999_999_999_999,
        })),
      }),
      status: 422,
      code: 'amount_too_large',
      message: /99999999/,
    },
    {
      given: 'a currency that is not an ISO 4217 code',
      method: 'POST',
      path: '/orders',
      json: order({ currency: 'dollars' }),
      status: 400,
      code: 'invalid_request',
      message: /currency/,
    },
    {
      given: 'a customer id longer than 128 characters',
      method: 'POST',
      path: '/orders',
      json: order({ customerId: 'c'.repeat(129) }),
      status: 400,
      code: 'invalid_request',
      message: /customerId must be at most 128 characters/,
    },
    {
      given: 'a customer id with a NUL character',
      method: 'POST',
      path: '/orders',
      json: order({ customerId: 'cus\u0000probe' }),
      status: 400,
      code: 'invalid_request',
      message: /customerId must not contain the NUL character/,
    },
    {
      given: 'a sku with an unpaired surrogate',
      method: 'POST',
      path: '/orders',
      raw: '{"customerId":"cus_probe","currency":"usd","lines":[{"sku":"lamp\\ud800","quantity":1,"unitPrice":1}]}',
      status: 400,
      code: 'invalid_request',
      message: /lines\.0\.sku must be valid Unicode/,
    },
    {
      given: 'an object where the lines array is expected',
      method: 'POST',
      path: '/orders',
      json: order({ lines: line }),
      status: 400,
      code: 'invalid_request',
      message: /lines must be an array/,
    },
    {
      given: 'more than 100 lines',
      method: 'POST',
      path: '/orders',
      json: order({ lines: Array.from({ length: 101 }, () => line) }),
      status: 400,
      code: 'invalid_request',
      message: /lines must have at most 100 items/,
    },
    {
      given: 'an Idempotency-Key with spaces',
      method: 'POST',
      path: '/orders',
      json: order(),
      headers: { 'idempotency-key': 'two words' },
      status: 400,
      code: 'invalid_idempotency_key',
      message: /printable ASCII/,
    },
    {
      given: 'a form-encoded body',
      method: 'POST',
      path: '/orders',
      raw: 'customerId=cus_probe',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      status: 415,
      code: 'unsupported_media_type',
      message: /application\/json/,
    },
    {
      given: 'a body over 1 MB',
      method: 'POST',
      path: '/orders',
      json: order({ customerId: 'x'.repeat(1024 * 1024) }),
      status: 413,
      code: 'payload_too_large',
      message: /1 MB/,
    },
    // GET /orders
    {
      given: 'a limit of 0',
      method: 'GET',
      path: '/orders?limit=0',
      status: 400,
      code: 'invalid_query',
      message: /query string is invalid: limit must be at least 1/,
    },
    {
      given: 'a limit above 100',
      method: 'GET',
      path: '/orders?limit=101',
      status: 400,
      code: 'invalid_query',
      message: /query string is invalid: limit must be at most 100/,
    },
    {
      given: 'a limit that is not a number',
      method: 'GET',
      path: '/orders?limit=ten',
      status: 400,
      code: 'invalid_query',
      message: /limit must be a number/,
    },
    {
      given: 'the limit twice',
      method: 'GET',
      path: '/orders?limit=1&limit=2',
      status: 400,
      code: 'invalid_query',
      message: /limit/,
    },
    {
      given: 'an unknown status',
      method: 'GET',
      path: '/orders?status=shipped',
      status: 400,
      code: 'invalid_query',
      message: /status must be one of/,
    },
    {
      given: 'an unknown query parameter',
      method: 'GET',
      path: '/orders?stauts=paid',
      status: 400,
      code: 'invalid_query',
      message: /unknown parameter "stauts"/,
    },
    {
      given: 'a customer id with a NUL character',
      method: 'GET',
      path: '/orders?customerId=cus%00probe',
      status: 400,
      code: 'invalid_query',
      message: /customerId must not contain the NUL character/,
    },
    {
      given: 'a cursor this API did not return',
      method: 'GET',
      path: '/orders?cursor=garbage',
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    {
      given: 'a cursor whose id is not a uuid',
      method: 'GET',
      path: `/orders?cursor=${encodeCursor(['2024-01-01T00:00:00.000Z', 'not-a-uuid'])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    {
      given: 'a cursor whose time is not a time',
      method: 'GET',
      path: `/orders?cursor=${encodeCursor(['1', randomUUID()])}`,
      status: 400,
      code: 'invalid_cursor',
      message: /nextCursor/,
    },
    // GET /orders/:id
    {
      given: 'an id that is not a uuid',
      method: 'GET',
      path: '/orders/not-a-uuid',
      status: 404,
      code: 'order_not_found',
      message: /POST \/orders/,
    },
    {
      given: 'an id with a NUL character',
      method: 'GET',
      path: '/orders/%00',
      status: 404,
      code: 'order_not_found',
      message: /POST \/orders/,
    },
    {
      given: 'an id longer than a path parameter may be',
      method: 'GET',
      path: `/orders/${'a'.repeat(101)}`,
      status: 414,
      code: 'path_parameter_too_long',
      message: /100 characters/,
    },
    {
      given: 'a malformed percent-encoding in the path',
      method: 'GET',
      path: '/orders/%E0%A4%A',
      status: 400,
      code: 'invalid_url',
      message: /percent-encod/,
    },
    // POST /orders/:id/cancel
    {
      given: 'a reason that is not a string',
      method: 'POST',
      path: `/orders/${PENDING}/cancel`,
      json: { reason: 42 },
      status: 400,
      code: 'invalid_request',
      message: /reason must be a string/,
    },
    {
      given: 'a reason over 500 characters',
      method: 'POST',
      path: `/orders/${PENDING}/cancel`,
      json: { reason: 'r'.repeat(501) },
      status: 400,
      code: 'invalid_request',
      message: /reason must be at most 500 characters/,
    },
    {
      given: 'an array as the cancel body',
      method: 'POST',
      path: `/orders/${PENDING}/cancel`,
      json: ['changed my mind'],
      status: 400,
      code: 'invalid_request',
      message: /must be an object, not an array/,
    },
    {
      given: 'a cancel body that is not JSON',
      method: 'POST',
      path: `/orders/${PENDING}/cancel`,
      raw: 'changed my mind',
      status: 400,
      code: 'invalid_json',
      message: /not valid JSON/,
    },
    {
      given: 'a cancel of an id that is not a uuid',
      method: 'POST',
      path: '/orders/42/cancel',
      json: {},
      status: 404,
      code: 'order_not_found',
      message: /POST \/orders/,
    },
    // POST /orders/:id/fulfill takes no body: one sent is ignored, the answer is the route's own.
    {
      given: 'a body on fulfill, which takes none, for an unpaid order',
      method: 'POST',
      path: `/orders/${PENDING}/fulfill`,
      json: { status: 'fulfilled' },
      status: 409,
      code: 'illegal_transition',
      message: /pending_payment/,
    },
    {
      given: 'a route that does not exist',
      method: 'DELETE',
      path: `/orders/${PENDING}`,
      status: 404,
      code: 'not_found',
      message: /DELETE/,
    },
  ];
}

describe('orders refuses every bad request with a 4xx, a code and a message (real Postgres and Kafka)', () => {
  let t: InProcessService;
  let pendingOrderId: string;

  beforeAll(async () => {
    t = await startOrdersApp('orders_bad_requests');
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order()),
    });
    pendingOrderId = ((await res.json()) as { id: string }).id;
  });

  afterAll(() => t?.close());

  async function countRows(): Promise<{ orders: number; events: number }> {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM orders.orders) AS orders,
              (SELECT count(*)::int FROM orders.outbox) AS events`,
    );
    return row;
  }

  it('lists each of these refusals in docs/openapi/orders.json, under its route and status', () => {
    expect(undocumentedRefusals(checkedInOpenApi('orders'), probes())).toEqual([]);
  });

  it.each(probes().map((p) => [p.given, p]))(
    'answers %s with a 4xx, a code and a message, and stores nothing',
    async (_given, template) => {
      // Given a malformed request (about the pending order, where it names one)
      const probe = {
        ...template,
        path: template.path.replace(PENDING, pendingOrderId),
      };
      const before = await countRows();

      // When it is sent
      const answer = await sendProbe(t.url, probe);

      // Then it is refused with the expected status, code and a message saying what to fix
      expect(refusalOf(answer)).toEqual(expectedRefusal(probe));
      // And nothing was stored
      expect(await countRows()).toEqual(before);
    },
  );

  it('accepts a total of exactly 99,999,999, the most Stripe charges in usd', async () => {
    // Given an order whose total is the maximum
    const body = order({ lines: [{ ...line, quantity: 3, unitPrice: 33_333_333 }] });

    // When it is placed
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

    // Then it is created with that total
    expect(res.status).toBe(201);
    expect(((await res.json()) as { amountTotal: number }).amountTotal).toBe(99_999_999);
  });
});
