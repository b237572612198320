import { randomBytes, randomUUID } from 'node:crypto';
import {
  ADMIN_TOKEN,
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../../testing/notifications-app.test-helper';

const DEVICES_API_TOKEN = 'shop-backend-devices-token-0123456789';

const apnsToken = () => randomBytes(32).toString('hex');
const fcmToken = () =>
  `${randomBytes(12).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;

describe("the devices API: customers' push targets (real Postgres)", () => {
  let t: NotificationsTestApp;

  beforeAll(async () => {
    t = await startNotificationsApp('push_devices', { DEVICES_API_TOKEN });
  });

  afterAll(() => t?.close());

  const call = (method: string, path: string, body?: unknown, token = DEVICES_API_TOKEN) =>
    t.api(token, method, path, body);

  async function deviceCount(): Promise<number> {
    const [row] = await t.dataSource.query('SELECT count(*)::int AS n FROM notifications.devices');
    return row.n;
  }

  it('registers an APNs device and shows it among its customer’s devices', async () => {
    // Given a customer's iPhone, as the shop's backend reports it
    const customerId = `cus_${randomUUID()}`;
    const token = apnsToken().toUpperCase();

    // When it is registered
    const res = await call('POST', '/v1/devices', {
      customerId,
      platform: 'apns',
      token,
      app: 'com.example.shop',
      environment: 'sandbox',
      locale: 'fr-CA',
    });

    // Then it is created, its token kept in lowercase as Apple writes it
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId,
      platform: 'apns',
      token: token.toLowerCase(),
      app: 'com.example.shop',
      environment: 'sandbox',
      locale: 'fr-CA',
    });
    // And the customer's list and the device itself show it
    const list = await call('GET', `/v1/devices?customerId=${encodeURIComponent(customerId)}`);
    expect(list.body['data']).toEqual([res.body]);
    expect((await call('GET', `/v1/devices/${res.body['id'] as string}`)).body).toEqual(res.body);
  });

  it('updates a known token instead of adding a device, and moves it to the customer who registered it last', async () => {
    // Given an Android device registered for one customer
    const [first, second] = [`cus_${randomUUID()}`, `cus_${randomUUID()}`];
    const token = fcmToken();
    const registered = await call('POST', '/v1/devices', {
      customerId: first,
      platform: 'fcm',
      token,
      app: 'example-shop',
    });
    expect(registered.status).toBe(201);

    // When the same token is registered for another customer, in another language
    const again = await call('POST', '/v1/devices', {
      customerId: second,
      platform: 'fcm',
      token,
      app: 'example-shop',
      locale: 'de',
    });

    // Then it is the same device, updated (200), now the second customer's
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      id: registered.body['id'],
      customerId: second,
      locale: 'de',
      environment: null,
    });
    expect(Date.parse(again.body['registeredAt'] as string)).toBeGreaterThanOrEqual(
      Date.parse(registered.body['registeredAt'] as string),
    );
    expect((await call('GET', `/v1/devices?customerId=${first}`)).body['data']).toEqual([]);
    expect((await call('GET', `/v1/devices?customerId=${second}`)).body['data']).toHaveLength(1);
  });

  it('keeps a token of one app apart from the same token of another', async () => {
    // Given one token registered for two apps of the shop
    const customerId = `cus_${randomUUID()}`;
    const token = apnsToken();
    const body = { customerId, platform: 'apns', token, environment: 'production' };

    // When both are registered
    const shop = await call('POST', '/v1/devices', { ...body, app: 'com.example.shop' });
    const wallet = await call('POST', '/v1/devices', { ...body, app: 'com.example.wallet' });

    // Then they are two devices
    expect([shop.status, wallet.status]).toEqual([201, 201]);
    expect(shop.body['id']).not.toBe(wallet.body['id']);
  });

  it.each([
    [
      'an APNs token that is not 64 hex digits',
      { platform: 'apns', token: 'abc123', app: 'com.example.shop', environment: 'production' },
      /token must be the 64 hexadecimal digits of an APNs device token/,
    ],
    [
      'an APNs device without its environment',
      { platform: 'apns', token: 'a'.repeat(64), app: 'com.example.shop' },
      /environment/,
    ],
    [
      'an APNs app that is not a bundle id',
      { platform: 'apns', token: 'a'.repeat(64), app: 'shop', environment: 'sandbox' },
      /app must be a bundle id/,
    ],
    [
      'an empty FCM token',
      { platform: 'fcm', token: '', app: 'example-shop' },
      /token must not be empty/,
    ],
    [
      'an FCM token longer than 4,096 characters',
      { platform: 'fcm', token: 'x'.repeat(4097), app: 'example-shop' },
      /token must be at most 4,096 characters/,
    ],
    [
      'an FCM device with an APNs environment',
      { platform: 'fcm', token: fcmToken(), app: 'example-shop', environment: 'sandbox' },
      /environment/,
    ],
    [
      'a platform that is neither',
      { platform: 'hms', token: fcmToken(), app: 'example-shop' },
      /platform/,
    ],
    [
      'a locale that is not a language tag',
      { platform: 'fcm', token: fcmToken(), app: 'example-shop', locale: 'french please' },
      /locale must be a language tag/,
    ],
  ])(
    'refuses %s with 400, saying what to fix, and stores nothing',
    async (_given, fields, message) => {
      // Given a registration the providers could never use
      const before = await deviceCount();

      // When it is sent
      const res = await call('POST', '/v1/devices', { customerId: 'cus_1', ...fields });

      // Then it is refused, with a code and a message naming the field
      expect(res.status).toBe(400);
      expect(res.body['error']).toMatchObject({
        code: 'invalid_request',
        message: expect.stringMatching(message),
      });
      expect(await deviceCount()).toBe(before);
    },
  );

  it('removes a device; removing it again, or an id that is no device, answers 404', async () => {
    // Given a registered device
    const device = await call('POST', '/v1/devices', {
      customerId: `cus_${randomUUID()}`,
      platform: 'fcm',
      token: fcmToken(),
      app: 'example-shop',
    });
    const path = `/v1/devices/${device.body['id'] as string}`;

    // When it is removed, Then it is gone
    const removed = await fetch(`${t.url}${path}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${DEVICES_API_TOKEN}` },
    });
    expect(removed.status).toBe(204);
    expect((await call('GET', path)).status).toBe(404);
    // And a second removal, or an id that cannot be a device's, is 404 with its code
    for (const gone of [path, '/v1/devices/not-a-uuid']) {
      const res = await call('DELETE', gone);
      expect(res.status).toBe(404);
      expect(res.body['error']).toMatchObject({ code: 'device_not_found' });
    }
  });

  it("takes the shop backend's token or an operator's, and refuses any other with 401", async () => {
    // Given a partner's API key, which is for the webhooks API only
    const apiKey = await t.createPartner();

    // When each calls the devices API
    const list = (token: string) => call('GET', '/v1/devices?customerId=cus_1', undefined, token);
    const [shop, operator, partner] = await Promise.all([
      list(DEVICES_API_TOKEN),
      list(ADMIN_TOKEN),
      list(apiKey),
    ]);

    // Then the shop and the operator get in, the partner does not
    expect([shop.status, operator.status, partner.status]).toEqual([200, 200, 401]);
    expect(partner.body['error']).toMatchObject({ code: 'invalid_devices_token' });
  });
});
