import { checkedInOpenApiPath, type InProcessService } from '@switchyard/service-testing';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { startOrdersApp } from '../../testing/orders-app.test-helper';
import { CreateOrderUseCase } from './create-order.usecase';

interface OrderView {
  id: string;
  status: string;
  version: number;
  customerId: string;
  amountTotal: number;
}

describe('orders API (real Postgres and Kafka)', () => {
  let t: InProcessService;

  beforeAll(async () => {
    t = await startOrdersApp('orders_api');
  });

  afterAll(() => t?.close());

  const body = (customerId = 'cus_api', quantity = 1) => ({
    customerId,
    currency: 'USD',
    lines: [{ sku: 'lamp', quantity, unitPrice: 4500 }],
  });

  async function call(
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: {
        ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(payload !== undefined ? { body: JSON.stringify(payload) } : {}),
    });
    return {
      status: res.status,
      headers: res.headers,
      body: (await res.json()) as Record<string, unknown> & OrderView,
    };
  }

  async function outboxTypes(orderId: string): Promise<string[]> {
    const rows: { type: string }[] = await t.dataSource.query(
      `SELECT payload::json->>'type' AS type FROM orders.outbox WHERE message_key = $1 ORDER BY position`,
      [orderId],
    );
    return rows.map((r) => r.type);
  }

  it('places an order awaiting payment, totals it in minor units, and announces order.created', async () => {
    const created = await call('POST', '/orders', body('cus_api', 3));

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'pending_payment',
      amountTotal: 13500,
      version: 1,
    });
    expect(await outboxTypes(created.body.id)).toEqual(['order.created']);
  });

  it('refuses an invalid body with 400, naming each field, and stores nothing', async () => {
    const res = await call('POST', '/orders', {
      customerId: '',
      currency: 'dollars',
      lines: [{ sku: 'x', quantity: 0, unitPrice: -1 }],
    });

    expect(res.status).toBe(400);
    const error = res.body['error'] as { code: string; details: { field: string }[] };
    expect(error.code).toBe('invalid_request');
    expect(error.details.map((d) => d.field)).toEqual(
      expect.arrayContaining(['customerId', 'currency', 'lines.0.quantity', 'lines.0.unitPrice']),
    );
  });

  it('answers a body that is not JSON with 400 invalid_json', async () => {
    const res = await fetch(`${t.url}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"customerId":',
    });

    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('returns the same order for the same Idempotency-Key and body, and refuses the key with another body', async () => {
    const key = `checkout-${randomUUID()}`;

    const first = await call('POST', '/orders', body(), { 'idempotency-key': key });
    const retry = await call('POST', '/orders', body(), { 'idempotency-key': key });
    const other = await call('POST', '/orders', body('cus_api', 2), { 'idempotency-key': key });

    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(other.status).toBe(422);
    expect((other.body['error'] as { code: string }).code).toBe('idempotency_key_reused');
    expect(await outboxTypes(first.body.id)).toEqual(['order.created']);
  });

  it('commits an order, its Idempotency-Key and its order.created in one transaction', async () => {
    // Given a checkout's key
    const key = `atomic-${randomUUID()}`;

    // When the order is placed
    const created = await call('POST', '/orders', body(), { 'idempotency-key': key });

    // Then the three rows carry the same inserting transaction id
    expect(created.status).toBe(201);
    const [row] = await t.dataSource.query(
      `SELECT (SELECT xmin::text FROM orders.orders WHERE id = $1) AS "order",
              (SELECT xmin::text FROM orders.idempotency_keys WHERE key = $2) AS "key",
              (SELECT xmin::text FROM orders.outbox WHERE message_key = $1::text) AS "event"`,
      [created.body.id, key],
    );
    expect(row.order).toEqual(expect.any(String));
    expect([row.key, row.event]).toEqual([row.order, row.order]);
  });

  it('creates orders that arrive together in one commit, each key claimed by its first use', async () => {
    // Given orders handed over in the same turn of the event loop: two with their own keys, one
    // without, and a retry of the first key's request
    const create = t.app.get(CreateOrderUseCase);
    const customerId = `cus_${randomUUID()}`;
    const command = {
      customerId,
      currency: 'usd',
      lines: [{ sku: 'lamp', quantity: 1, unitPrice: 4500 }],
    };
    const [keyA, keyB] = [`together-${randomUUID()}`, `together-${randomUUID()}`];

    // When they are created
    const [a, b, unkeyed, retryA] = await Promise.all([
      create.execute(command, keyA),
      create.execute(command, keyB),
      create.execute(command),
      create.execute(command, keyA),
    ]);

    // Then three orders exist, the retry got the first use's order, and one transaction wrote
    // the orders, their keys and their events
    expect([a, b, unkeyed].map((r) => r?.replayed)).toEqual([false, false, false]);
    expect(retryA).toEqual({ order: expect.objectContaining({ id: a.order.id }), replayed: true });
    const rows: { tx: string }[] = await t.dataSource.query(
      `SELECT xmin::text AS tx FROM orders.orders WHERE customer_id = $1
       UNION ALL SELECT xmin::text FROM orders.idempotency_keys WHERE key IN ($2, $3)
       UNION ALL SELECT xmin::text FROM orders.outbox WHERE message_key IN ($4, $5, $6)`,
      [customerId, keyA, keyB, a.order.id, b.order.id, unkeyed.order.id],
    );
    expect(rows).toHaveLength(3 + 2 + 3);
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
  });

  it('creates one order for ten concurrent requests with one Idempotency-Key', async () => {
    const key = `burst-${randomUUID()}`;
    const customerId = `cus_${randomUUID()}`;

    const responses = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', '/orders', body(customerId), { 'idempotency-key': key }),
      ),
    );

    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
    const [{ n }] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM orders.orders WHERE customer_id = $1',
      [customerId],
    );
    expect(n).toBe(1);
  });

  it('lists orders by customer and status, newest first, a page at a time', async () => {
    const customerId = `cus_${randomUUID()}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await call('POST', '/orders', body(customerId))).body.id);
    await call('POST', `/orders/${ids[0]}/cancel`, { reason: 'changed my mind' });

    const page1 = await call(
      'GET',
      `/orders?customerId=${customerId}&status=pending_payment&limit=2`,
    );
    const page2 = await call(
      'GET',
      `/orders?customerId=${customerId}&status=pending_payment&limit=2&cursor=${page1.body['nextCursor'] as string}`,
    );
    const listed = [page1, page2].flatMap((p) => (p.body['data'] as OrderView[]).map((o) => o.id));
    expect(listed).toEqual([...ids.slice(1)].reverse());
    expect(page2.body['nextCursor']).toBeNull();
    expect((await call('GET', '/orders?status=shipped')).status).toBe(400);
  });

  it('cancels a pending order and announces it; refuses to cancel it twice with 409 and the current status', async () => {
    const { id } = (await call('POST', '/orders', body())).body;

    const cancelled = await call('POST', `/orders/${id}/cancel`, { reason: 'out of stock' });
    const again = await call('POST', `/orders/${id}/cancel`, {});

    expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
    expect(again.status).toBe(409);
    expect(again.body['error']).toMatchObject({
      code: 'illegal_transition',
      details: [{ currentStatus: 'cancelled' }],
    });
    expect(await outboxTypes(id)).toEqual(['order.created', 'order.cancelled']);
  });

  it('refuses to fulfill an order that is not paid, with 409', async () => {
    const { id } = (await call('POST', '/orders', body())).body;

    const res = await call('POST', `/orders/${id}/fulfill`);

    expect(res.status).toBe(409);
    expect(res.body['error']).toMatchObject({
      code: 'illegal_transition',
      details: [{ currentStatus: 'pending_payment' }],
    });
  });

  it('answers 404 with a code for an unknown order', async () => {
    expect((await call('GET', `/orders/${randomUUID()}`)).status).toBe(404);
    expect((await call('POST', `/orders/not-a-uuid/cancel`, {})).body['error']).toMatchObject({
      code: 'order_not_found',
    });
  });

  it('serves at /docs/openapi.json the document checked in at docs/openapi/orders.json', async () => {
    const res = await fetch(`${t.url}/docs/openapi.json`);

    expect(await res.json()).toEqual(
      JSON.parse(readFileSync(checkedInOpenApiPath('orders'), 'utf8')),
    );
    expect((await fetch(`${t.url}/docs`)).status).toBe(200);
  });
});
