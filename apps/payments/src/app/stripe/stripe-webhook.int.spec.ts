import { generateStripeSignatureHeader } from '@switchyard/signing';
import { paymentIntentSucceededEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type PaymentsTestApp,
  startPaymentsApp,
  WEBHOOK_SECRET,
} from '../../testing/payments-app.test-helper';
import { StoreStripeEventUseCase } from './store-stripe-event.usecase';

const ROTATED_SECRET = 'whsec_payments_int_rotated_secret';
const now = () => Math.floor(Date.now() / 1000);

describe('Stripe webhook intake (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    t = await startPaymentsApp('intake', {
      STRIPE_WEBHOOK_SECRETS: `${WEBHOOK_SECRET},${ROTATED_SECRET}`,
    });
  });

  afterAll(() => t?.close());

  async function post(body: string | Buffer, headers: Record<string, string>) {
    const res = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers, body });
    return {
      status: res.status,
      body: (await res.json()) as { error?: { code: string; message: string } },
    };
  }

  const signed = (payload: string, secret = WEBHOOK_SECRET, timestamp = now()) => ({
    'content-type': 'application/json',
    'stripe-signature': generateStripeSignatureHeader(secret, payload, timestamp),
  });

  async function storedCount(): Promise<number> {
    const [{ n }] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM payments.stripe_events',
    );
    return n;
  }

  async function rejections(code: string): Promise<number> {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) =>
        l.startsWith(`switchyard_stripe_webhooks_total{outcome="rejected",code="${code}"}`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  }

  const eventJson = () =>
    JSON.stringify(
      paymentIntentSucceededEvent({ orderId: randomUUID(), amount: 1000, currency: 'usd' }),
    );

  it.each([
    [
      'no Stripe-Signature header',
      () => ({ body: eventJson(), headers: { 'content-type': 'application/json' } }),
      400,
      'signature_missing_header',
    ],
    [
      'a garbled signature header',
      () => ({
        body: eventJson(),
        headers: { 'content-type': 'application/json', 'stripe-signature': 'not a signature' },
      }),
      400,
      'signature_malformed_header',
    ],
    [
      'a signature made with the wrong secret',
      () => {
        const body = eventJson();
        return { body, headers: signed(body, 'whsec_somebody_else') };
      },
      400,
      'signature_no_matching_signature',
    ],
    [
      'a forged body under a real signature',
      () => {
        const body = eventJson();
        return { body: body.replace('1000', '1'), headers: signed(body) };
      },
      400,
      'signature_no_matching_signature',
    ],
    [
      'a timestamp too old',
      () => {
        const body = eventJson();
        return { body, headers: signed(body, WEBHOOK_SECRET, now() - 301) };
      },
      400,
      'signature_timestamp_too_old',
    ],
    [
      'a valid request captured and replayed ten minutes later',
      () => {
        const body = eventJson();
        return { body, headers: signed(body, WEBHOOK_SECRET, now() - 600) };
      },
      400,
      'signature_timestamp_too_old',
    ],
    [
      'a timestamp in the future',
      () => {
        const body = eventJson();
        return { body, headers: signed(body, WEBHOOK_SECRET, now() + 360) };
      },
      400,
      'signature_timestamp_in_future',
    ],
    [
      'a body that is not JSON under a valid signature',
      () => ({ body: '{"id": evt_', headers: signed('{"id": evt_') }),
      400,
      'invalid_json',
    ],
    [
      'signed JSON that is not a Stripe event',
      () => ({ body: '{"hello":"world"}', headers: signed('{"hello":"world"}') }),
      400,
      'invalid_event',
    ],
    [
      'a body over 1 MB',
      () => {
        const body = `{"pad":"${'x'.repeat(1024 * 1024)}"}`;
        return { body, headers: signed(body) };
      },
      413,
      'payload_too_large',
    ],
    [
      'text/plain',
      () => {
        const body = eventJson();
        return { body, headers: { ...signed(body), 'content-type': 'text/plain' } };
      },
      415,
      'unsupported_media_type',
    ],
    [
      'application/xml',
      () => ({ body: '<event/>', headers: { 'content-type': 'application/xml' } }),
      415,
      'unsupported_media_type',
    ],
  ])(
    'refuses %s with its documented status and code, stores nothing, and counts it',
    async (_label, request, status, code) => {
      // Given a request with one defect
      const { body, headers } = request();
      const [storedBefore, countedBefore] = [await storedCount(), await rejections(code)];

      // When it reaches the webhook endpoint
      const response = await post(body, headers);

      // Then it is refused with a code and a message, nothing is stored, and the refusal is counted
      expect(response.status).toBe(status);
      expect(response.body.error?.code).toBe(code);
      expect(response.body.error?.message.length).toBeGreaterThan(10);
      expect(await storedCount()).toBe(storedBefore);
      expect(await rejections(code)).toBe(countedBefore + 1);
    },
  );

  it('stores a verified event once and answers a redelivery with 200 and duplicate: true', async () => {
    const body = eventJson();
    const { id } = JSON.parse(body) as { id: string };

    const first = await post(body, signed(body));
    const again = await post(body, signed(body));

    expect([first.status, again.status]).toEqual([200, 200]);
    expect([first.body, again.body]).toEqual([
      { received: true, duplicate: false },
      { received: true, duplicate: true },
    ]);
    const rows = await t.dataSource.query('SELECT id FROM payments.stripe_events WHERE id = $1', [
      id,
    ]);
    expect(rows).toHaveLength(1);
  });

  it('stores events that arrive together in one commit, and answers each for itself', async () => {
    // Given events handed to intake in the same turn of the event loop, one of them twice
    const store = t.app.get(StoreStripeEventUseCase);
    const bodies = [eventJson(), eventJson(), eventJson()];
    const events = [...bodies, bodies[1] as string].map((body) => {
      const e = JSON.parse(body) as {
        id: string;
        type: string;
        created: number;
        livemode: boolean;
      };
      return { ...e, payload: JSON.parse(body) as unknown, payloadJson: body };
    });

    // When they are stored
    const outcomes = await Promise.all(events.map((e) => store.execute(e, 'webhook')));

    // Then each distinct event is stored once, the repeat is a duplicate, and one transaction
    // wrote them all
    expect(outcomes).toEqual(['stored', 'stored', 'stored', 'duplicate']);
    const rows: { id: string; tx: string }[] = await t.dataSource.query(
      'SELECT id, xmin::text AS tx FROM payments.stripe_events WHERE id = ANY($1)',
      [events.map((e) => e.id)],
    );
    expect(rows.map((r) => r.id).sort()).toEqual(
      events
        .slice(0, 3)
        .map((e) => e.id)
        .sort(),
    );
    expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
  });

  it('answers each of many concurrent deliveries of new and repeated events as it should', async () => {
    // Given twenty new events, and five of them delivered a second time, all at once
    const bodies = Array.from({ length: 20 }, () => eventJson());
    const sends = [...bodies, ...bodies.slice(0, 5)].map((body) => post(body, signed(body)));

    // When intake answers them all
    const answers = await Promise.all(sends);

    // Then every answer is a 200, exactly five say duplicate, and each event is stored once
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(answers.filter((a) => (a.body as { duplicate?: boolean }).duplicate)).toHaveLength(5);
    const ids = bodies.map((b) => (JSON.parse(b) as { id: string }).id);
    const [{ n }] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM payments.stripe_events WHERE id = ANY($1)',
      [ids],
    );
    expect(n).toBe(20);
  });

  it("stores the signed body as Stripe sent it, numbers beyond JavaScript's precision included", async () => {
    // Given a signed event whose data holds an integer JavaScript cannot hold exactly
    const id = `evt_${randomUUID().replace(/-/g, '')}`;
    const body = `{"id":"${id}","object":"event","type":"customer.created","created":${now()},"livemode":false,"data":{"object":{"id":"cus_1","balance":12345678901234567891}}}`;

    // When it is posted
    expect((await post(body, signed(body))).status).toBe(200);

    // Then the stored payload has every digit of it
    const [row] = await t.dataSource.query(
      `SELECT payload #>> '{data,object,balance}' AS balance FROM payments.stripe_events WHERE id = $1`,
      [id],
    );
    expect(row.balance).toBe('12345678901234567891');
  });

  it('accepts events signed with either secret while one is rotated', async () => {
    const body = eventJson();

    expect((await post(body, signed(body, ROTATED_SECRET))).status).toBe(200);
  });

  it('stores and acknowledges an event type it does not process, and marks it ignored', async () => {
    const body = JSON.stringify({
      id: `evt_${randomUUID().replace(/-/g, '')}`,
      object: 'event',
      type: 'customer.created',
      created: now(),
      livemode: false,
      data: { object: {} },
    });
    const { id } = JSON.parse(body) as { id: string };

    expect((await post(body, signed(body))).status).toBe(200);

    const row = await waitFor('the event to be marked ignored', async () => {
      const [r] = await t.dataSource.query(
        'SELECT status, last_error FROM payments.stripe_events WHERE id = $1',
        [id],
      );
      return r?.status === 'ignored' ? r : undefined;
    });
    expect(row.last_error).toBe('no mapping for Stripe event type customer.created');
  });

  it('parks a payment without metadata.order_id, visible with its error in the admin API', async () => {
    const event = paymentIntentSucceededEvent({ orderId: 'x', amount: 500, currency: 'usd' });
    event.data.object.metadata = {} as never;
    const body = JSON.stringify(event);

    expect((await post(body, signed(body))).status).toBe(200);

    const parked = await waitFor('the event to be parked', async () => {
      const res = await fetch(`${t.url}/admin/stripe-events/${event.id}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      const view = (await res.json()) as { status: string; error: string };
      return view.status === 'failed' ? view : undefined;
    });
    expect(parked.error).toMatch(/^missing_order_id: .*metadata\.order_id/);
  });
});
