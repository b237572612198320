import { createEvent, type DomainEvent, type EventData, Topics } from '@switchyard/contracts';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import {
  APNS_TOPIC,
  MetricsReading,
  type PushFakes,
  startPushFakes,
  waitFor,
} from '@switchyard/testing';

const DEVICES_API_TOKEN = 'shop-backend-devices-token-0123456789';

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(11).toString('base64url')}:APA91b${randomBytes(90).toString('base64url')}`;

describe('pushes to customers’ devices, through the delivery queue (real Postgres and Kafka, fake APNs and FCM)', () => {
  let fakes: PushFakes;
  let t: NotificationsTestApp;

  beforeAll(async () => {
    fakes = await startPushFakes();
    t = await startNotificationsApp('push_delivery', {
      ...fakes.env,
      DEVICES_API_TOKEN,
      PUSH_RETRY_SCHEDULE: '0,200ms,400ms',
    });
  });

  afterAll(async () => {
    await t?.close();
    await fakes?.stop();
  });

  async function register(
    customerId: string,
    device:
      | { platform: 'apns'; token: string; locale?: string }
      | { platform: 'fcm'; token: string; locale?: string },
  ): Promise<{ id: string; registeredAt: string }> {
    const body =
      device.platform === 'apns'
        ? { ...device, app: APNS_TOPIC, environment: 'production' }
        : { ...device, app: fakes.firebaseProject };
    const res = await t.api(DEVICES_API_TOKEN, 'POST', '/v1/devices', { customerId, ...body });
    if (res.status !== 201) throw new Error(`device not registered: ${JSON.stringify(res.body)}`);
    return res.body as { id: string; registeredAt: string };
  }

  async function publish<T extends 'order.paid' | 'order.cancelled' | 'order.fulfilled'>(
    type: T,
    data: EventData<T>,
    event: DomainEvent = createEvent(type, data.orderId, data),
  ): Promise<DomainEvent> {
    await t.publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: event.subject, value: JSON.stringify(event) }],
      },
    ]);
    return event;
  }

  const paid = (customerId: string, orderId = randomUUID()) =>
    ({
      orderId,
      customerId,
      amount: 3299,
      currency: 'eur',
      paymentIntentId: 'pi_push',
      paidAt: new Date().toISOString(),
    }) satisfies EventData<'order.paid'>;

  async function pushOf(eventId: string, deviceId: string) {
    const [row] = await t.dataSource.query(
      `SELECT status, attempts, last_status_code, last_error FROM notifications.deliveries
       WHERE event_id = $1 AND device_id = $2`,
      [eventId, deviceId],
    );
    return row as
      | {
          status: string;
          attempts: number;
          last_status_code: number | null;
          last_error: string | null;
        }
      | undefined;
  }

  /** DELETE /v1/devices/:id; answers its status (204 has no body to parse). */
  const removeDevice = async (id: string) =>
    (
      await fetch(`${t.url}/v1/devices/${id}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${DEVICES_API_TOKEN}` },
      })
    ).status;

  const deviceExists = async (id: string) =>
    (await t.api(DEVICES_API_TOKEN, 'GET', `/v1/devices/${id}`)).status === 200;

  it('pushes a paid order to each of its customer’s devices, in each device’s language', async () => {
    // Given a customer with an iPhone in French and an Android phone in English
    const customerId = `cus_${randomUUID()}`;
    const [iphone, android] = [apnsToken(), fcmToken()];
    const apnsDevice = await register(customerId, {
      platform: 'apns',
      token: iphone,
      locale: 'fr-FR',
    });
    const fcmDevice = await register(customerId, { platform: 'fcm', token: android, locale: 'en' });

    // When their order is paid
    const event = await publish('order.paid', paid(customerId));

    // Then APNs gets the French text, with the order as collapse id and thread
    await waitFor('the APNs push', () => fakes.apns.delivered(iphone).length === 1);
    const [notification] = fakes.apns.delivered(iphone);
    expect(notification?.payload).toMatchObject({
      aps: {
        alert: {
          title: 'Paiement reçu',
          body: 'Nous avons reçu 32,99\u00a0€ pour votre commande.',
        },
      },
    });
    expect(notification?.headers['apns-collapse-id']).toBe(`order-${event.subject}`);
    expect(notification?.headers['apns-topic']).toBe(APNS_TOPIC);
    // And FCM gets the English one
    await waitFor('the FCM push', () => fakes.fcm.receivedBy(android).length === 1);
    expect(fakes.fcm.receivedBy(android)[0]?.message).toMatchObject({
      notification: { title: 'Payment received', body: 'We received €32.99 for your order.' },
      data: { orderId: event.subject, eventType: 'order.paid' },
    });
    // And both are on record as deliveries that succeeded at the first attempt
    await waitFor(
      'both recorded',
      async () =>
        (await pushOf(event.id, apnsDevice.id))?.status === 'succeeded' &&
        (await pushOf(event.id, fcmDevice.id))?.status === 'succeeded',
    );
    expect(await pushOf(event.id, fcmDevice.id)).toMatchObject({
      attempts: 1,
      last_status_code: 200,
    });
  });

  it('pushes an event once, however often it is consumed', async () => {
    // Given a customer's device, and a paid order's event consumed twice
    const customerId = `cus_${randomUUID()}`;
    const token = fcmToken();
    await register(customerId, { platform: 'fcm', token });
    const event = await publish('order.paid', paid(customerId));
    await publish('order.paid', paid(customerId), event);

    // When a later event of the same order (so on the same partition, consumed after both
    // copies) has been pushed
    await publish('order.fulfilled', {
      orderId: event.subject,
      customerId,
      fulfilledAt: new Date().toISOString(),
    });
    const pushedAs = (eventType: string) =>
      fakes.fcm.receivedBy(token).filter((r) => {
        const data = r.message['data'] as Record<string, string>;
        return data['orderId'] === event.subject && data['eventType'] === eventType;
      });
    // (pushes of one batch go out side by side: the paid one may arrive after the later one)
    await waitFor(
      'the later push and the paid one',
      () => pushedAs('order.fulfilled').length > 0 && pushedAs('order.paid').length > 0,
    );

    // Then the paid order was made one push and pushed once: both copies were consumed before
    // the later event, so a second push of it would be a row by now
    const [{ made }] = await t.dataSource.query(
      `SELECT count(*)::int AS made FROM notifications.deliveries
       WHERE event_id = $1 AND device_id IS NOT NULL`,
      [event.id],
    );
    expect(made).toBe(1);
    expect(pushedAs('order.paid')).toHaveLength(1);
  });

  it('pushes nothing for an event no rule names, nor for a customer without devices', async () => {
    // Given a customer's device
    const customerId = `cus_${randomUUID()}`;
    const token = apnsToken();
    await register(customerId, { platform: 'apns', token });

    // When an order of theirs is cancelled (no rule), and another customer's order is paid
    await publish('order.cancelled', { orderId: randomUUID(), customerId, reason: 'test' });
    await publish('order.paid', paid(`cus_${randomUUID()}`));
    // And then their own order is paid
    const marker = await publish('order.paid', paid(customerId));

    // Then the only push they got is for their paid order
    await waitFor('the marker push', () => fakes.apns.delivered(token).length >= 1);
    expect(
      fakes.apns.delivered(token).map((n) => (n.payload as Record<string, string>)['orderId']),
    ).toEqual([marker.subject]);
  });

  it('tries a push again when the provider is unavailable, honouring its retry-after', async () => {
    // Given an Android device FCM answers 503 once
    const customerId = `cus_${randomUUID()}`;
    const token = fcmToken();
    const device = await register(customerId, { platform: 'fcm', token });
    fakes.fcm.script(token, { error: 'UNAVAILABLE', retryAfter: '1' });
    const before = await MetricsReading.of(t.url);

    // When its customer's order is paid
    const event = await publish('order.paid', paid(customerId));

    // Then the push arrives on the second attempt, a second or more after the first
    await waitFor('the retried push', () => fakes.fcm.receivedBy(token).length === 1, {
      timeoutMs: 15_000,
    });
    await waitFor(
      'recorded',
      async () => (await pushOf(event.id, device.id))?.status === 'succeeded',
    );
    expect(await pushOf(event.id, device.id)).toMatchObject({ attempts: 2 });
    const [first, second] = await t.dataSource.query(
      `SELECT a.status_code, a.attempted_at FROM notifications.attempts a
       JOIN notifications.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
       WHERE d.event_id = $1 AND d.device_id = $2 ORDER BY a.attempted_at`,
      [event.id, device.id],
    );
    expect([first.status_code, second.status_code]).toEqual([503, 200]);
    expect(second.attempted_at.getTime() - first.attempted_at.getTime()).toBeGreaterThanOrEqual(
      900,
    );
    // And both attempts are counted, by platform and result
    const after = await MetricsReading.of(t.url);
    const counted = (result: string) =>
      after.value('switchyard_push_sends_total', { platform: 'fcm', result }) -
      before.value('switchyard_push_sends_total', { platform: 'fcm', result });
    expect([counted('retry'), counted('sent')]).toEqual([1, 1]);
  });

  it("shows a device's pushes and a customer's, newest first, with what was sent and what the provider answered", async () => {
    // Given a customer's two pushes: one FCM refused for good, one APNs took, on a device removed since
    const customerId = `cus_${randomUUID()}`;
    const [android, iphone] = [fcmToken(), apnsToken()];
    const androidDevice = await register(customerId, { platform: 'fcm', token: android });
    const iphoneDevice = await register(customerId, { platform: 'apns', token: iphone });
    fakes.fcm.script(android, 'SENDER_ID_MISMATCH');
    const before = await MetricsReading.of(t.url);
    const event = await publish('order.paid', paid(customerId));
    await waitFor(
      'both settled',
      async () =>
        (await pushOf(event.id, androidDevice.id))?.status === 'failed' &&
        (await pushOf(event.id, iphoneDevice.id))?.status === 'succeeded',
    );
    await removeDevice(iphoneDevice.id);

    // When the shop reads the Android device's attempts, and the customer's a page at a time
    const byDevice = await t.api(
      DEVICES_API_TOKEN,
      'GET',
      `/v1/devices/${androidDevice.id}/attempts`,
    );
    const page = (cursor = '') =>
      t.api(
        DEVICES_API_TOKEN,
        'GET',
        `/v1/push-attempts?customerId=${customerId}&limit=1${cursor && `&cursor=${cursor}`}`,
      );
    const first = await page();
    const second = await page(first.body['nextCursor'] as string);

    // Then the device's shows FCM's refusal and the notification that was sent
    expect(byDevice.status).toBe(200);
    expect(byDevice.body['data']).toEqual([
      expect.objectContaining({
        deviceId: androidDevice.id,
        customerId,
        eventId: event.id,
        statusCode: 403,
        error: expect.stringMatching(/SENDER_ID_MISMATCH/),
        notification: expect.objectContaining({ title: 'Payment received' }),
      }),
    ]);
    // And the customer's lists both, the removed device's included, then no more
    const listed = [first, second].flatMap((p) => p.body['data'] as { deviceId: string }[]);
    expect(listed.map((a) => a.deviceId).sort()).toEqual(
      [androidDevice.id, iphoneDevice.id].sort(),
    );
    expect(second.body['nextCursor']).toBeNull();
    // And the refusal, which an operator must fix, is counted for alerting
    const refused = (r: MetricsReading) =>
      r.value('switchyard_push_refused_total', { platform: 'fcm' });
    expect(refused(await MetricsReading.of(t.url)) - refused(before)).toBe(1);
  });

  it('removes a device whose token the provider calls dead, unless it registered again since', async () => {
    // Given three devices of one customer: FCM says one is unregistered; APNs says another was
    // unregistered an hour from now, and the third an hour before it registered
    const customerId = `cus_${randomUUID()}`;
    const [android, stale, fresh] = [fcmToken(), apnsToken(), apnsToken()];
    const androidDevice = await register(customerId, { platform: 'fcm', token: android });
    const staleDevice = await register(customerId, { platform: 'apns', token: stale });
    const freshDevice = await register(customerId, { platform: 'apns', token: fresh });
    fakes.fcm.script(android, 'UNREGISTERED');
    fakes.apns.script(stale, {
      status: 410,
      reason: 'Unregistered',
      timestamp: Date.now() + 3_600_000,
    });
    fakes.apns.script(fresh, {
      status: 410,
      reason: 'Unregistered',
      timestamp: Date.parse(freshDevice.registeredAt) - 3_600_000,
    });

    // When the customer's order is paid
    const event = await publish('order.paid', paid(customerId));

    // Then each push fails for good, and only the devices unregistered after they registered are gone
    for (const device of [androidDevice, staleDevice, freshDevice]) {
      await waitFor(
        'the push settled',
        async () => (await pushOf(event.id, device.id))?.status === 'failed',
      );
    }
    await waitFor(
      'the dead devices removed',
      async () => !(await deviceExists(androidDevice.id)) && !(await deviceExists(staleDevice.id)),
    );
    expect(await deviceExists(freshDevice.id)).toBe(true);
    expect(await pushOf(event.id, androidDevice.id)).toMatchObject({
      attempts: 1,
      last_status_code: 404,
    });
  });

  it('settles a push whose device vanished before it was sent, and sends the others', async () => {
    // Given a push made for a device removed in the same instant (the fan-out raced the removal)
    const event = await publish('order.fulfilled', {
      orderId: randomUUID(),
      customerId: `cus_${randomUUID()}`,
      fulfilledAt: new Date().toISOString(),
    });
    await waitFor(
      'the event taken in',
      async () =>
        (
          await t.dataSource.query('SELECT 1 FROM notifications.inbox WHERE event_id = $1', [
            event.id,
          ])
        ).length > 0,
    );
    await t.dataSource.query(
      `INSERT INTO notifications.messages (id, partner_id, event_id, event_type, subject, payload)
       VALUES ($1, NULL, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [`push_${event.id}`, event.id, event.type, event.subject, JSON.stringify(event)],
    );
    const [orphan] = await t.dataSource.query(
      `INSERT INTO notifications.deliveries (id, message_id, event_id, device_id, customer_id)
       VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), 'cus_gone') RETURNING id`,
      [`push_${event.id}`, event.id],
    );

    // When another customer's order is paid
    const customerId = `cus_${randomUUID()}`;
    const token = fcmToken();
    await register(customerId, { platform: 'fcm', token });
    await publish('order.paid', paid(customerId));

    // Then their push arrives, and the orphan is settled as failed, saying why
    await waitFor('the other push', () => fakes.fcm.receivedBy(token).length === 1);
    await waitFor('the orphan settled', async () => {
      const [row] = await t.dataSource.query(
        'SELECT status, last_error FROM notifications.deliveries WHERE id = $1 AND event_id = $2',
        [orphan.id, event.id],
      );
      return row?.status === 'failed' && /removed, or moved/.test(row.last_error);
    });
  });

  it('does not send a device the pushes of the customer it belonged to before', async () => {
    // Given a customer's device with a push waiting (APNs asked for a minute's pause)
    const [previous, next] = [`cus_${randomUUID()}`, `cus_${randomUUID()}`];
    const token = apnsToken();
    const device = await register(previous, { platform: 'apns', token });
    fakes.apns.script(token, { status: 429, reason: 'TooManyRequests', retryAfter: '60' });
    const event = await publish('order.paid', paid(previous));
    await waitFor(
      'the first attempt',
      async () => (await pushOf(event.id, device.id))?.attempts === 1,
    );

    // When the same token is registered for another customer (a phone changed hands)
    const moved = await t.api(DEVICES_API_TOKEN, 'POST', '/v1/devices', {
      customerId: next,
      platform: 'apns',
      token,
      app: APNS_TOPIC,
      environment: 'production',
    });
    expect([moved.status, moved.body['id']]).toEqual([200, device.id]);

    // Then the previous customer's push is settled, not sent, and the device shows none of theirs
    expect(await pushOf(event.id, device.id)).toMatchObject({
      status: 'failed',
      last_error: 'the device moved to another customer',
    });
    const attempts = await t.api(DEVICES_API_TOKEN, 'GET', `/v1/devices/${device.id}/attempts`);
    expect(attempts.body['data']).toEqual([]);
  });

  it('fails the pushes still waiting for a device that is removed', async () => {
    // Given a device whose pushes APNs keeps answering 429 (retried)
    const customerId = `cus_${randomUUID()}`;
    const token = apnsToken();
    const device = await register(customerId, { platform: 'apns', token });
    fakes.apns.script(token, { status: 429, reason: 'TooManyRequests', retryAfter: '60' });
    const event = await publish('order.paid', paid(customerId));
    await waitFor(
      'the first attempt',
      async () => (await pushOf(event.id, device.id))?.attempts === 1,
    );

    // When the shop removes the device
    expect(await removeDevice(device.id)).toBe(204);

    // Then its waiting push is settled as failed, saying why
    expect(await pushOf(event.id, device.id)).toMatchObject({
      status: 'failed',
      last_error: 'the device was removed',
    });
  });
});
