import {
  APNS_TOPIC,
  paymentIntentSucceededEvent,
  type PushFakes,
  startPushFakes,
  waitFor,
} from '@switchyard/testing';
import { randomBytes } from 'node:crypto';
import {
  type E2eStack,
  json,
  queryDatabase,
  sendStripeEvent,
  startE2eStack,
} from './support/e2e-stack';

const DEVICES_API_TOKEN = 'e2e-push-devices-token-0123456789';

describe("a shopper's phone hears of the payment (three services, real Kafka and Postgres, fake APNs and FCM)", () => {
  let fakes: PushFakes;
  let stack: E2eStack;

  beforeAll(async () => {
    fakes = await startPushFakes();
    stack = await startE2eStack(
      'e2e_push',
      { orders: 4131, payments: 4132, notifications: 4133 },
      { ...fakes.env, DEVICES_API_TOKEN },
    );
  });

  afterAll(async () => {
    await stack?.stop();
    await fakes?.stop();
  });

  it('pushes "Payment received" to the customer’s iPhone and Android phone once Stripe reports the payment', async () => {
    // Given a customer with an iPhone (in German) and an Android phone, registered by the shop
    const customerId = `cus_${randomBytes(6).toString('hex')}`;
    const iphone = randomBytes(32).toString('hex');
    const android = `${randomBytes(11).toString('base64url')}:APA91b${randomBytes(90).toString('base64url')}`;
    const register = async (device: Record<string, string>) =>
      json(
        await fetch(`${stack.notifications.url}/v1/devices`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${DEVICES_API_TOKEN}`,
            'content-type': 'application/json',
          },
          body: JSON.stringify({ customerId, ...device }),
        }),
      );
    await register({
      platform: 'apns',
      token: iphone,
      app: APNS_TOPIC,
      environment: 'production',
      locale: 'de-DE',
    });
    await register({ platform: 'fcm', token: android, app: fakes.firebaseProject });
    // And their order
    const order = await json<{ id: string; amountTotal: number }>(
      await fetch(`${stack.orders.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          customerId,
          currency: 'eur',
          lines: [{ sku: 'lamp', quantity: 1, unitPrice: 4200 }],
        }),
      }),
    );

    // When Stripe reports its payment
    const answer = await sendStripeEvent(
      stack,
      JSON.stringify(
        paymentIntentSucceededEvent({
          orderId: order.id,
          amount: order.amountTotal,
          currency: 'eur',
        }),
      ),
    );
    expect(answer.status).toBe(200);

    // Then APNs gets the German text for the amount paid, grouped under the order
    await waitFor('the APNs push', () => fakes.apns.delivered(iphone).length > 0, {
      timeoutMs: 30_000,
    });
    const [pushed] = fakes.apns.delivered(iphone);
    expect(pushed?.payload).toMatchObject({
      aps: {
        alert: {
          title: 'Zahlung erhalten',
          body: 'Wir haben 42,00\u00a0€ für Ihre Bestellung erhalten.',
        },
        'thread-id': `order-${order.id}`,
      },
      orderId: order.id,
      eventType: 'order.paid',
    });
    // And FCM gets the English one
    await waitFor('the FCM push', () => fakes.fcm.receivedBy(android).length > 0);
    expect(fakes.fcm.receivedBy(android)[0]?.message).toMatchObject({
      notification: { title: 'Payment received', body: 'We received €42.00 for your order.' },
    });
    // And once both pushes are settled, each phone got exactly one
    await waitFor('both pushes settled', async () => {
      const [row] = await queryDatabase<{ done: number }>(
        stack,
        `SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS done FROM notifications.deliveries
         WHERE device_id IS NOT NULL AND customer_id = $1`,
        [customerId],
      );
      return row?.done === 2;
    });
    expect([fakes.apns.delivered(iphone).length, fakes.fcm.receivedBy(android).length]).toEqual([
      1, 1,
    ]);
  });
});
