import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { type EventPublisher } from '@switchyard/messaging';
import { loadConfig } from '@switchyard/service';
import {
  createTestPublisher,
  type InProcessService,
  startInProcessService,
} from '@switchyard/service-testing';
import { ScriptedReceiver } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { AppModule } from '../app/app.module';
import { NotificationsEnv } from '../app/notifications-env';

export const ADMIN_TOKEN = 'notifications-int-admin-token-0123456789';

export interface NotificationsTestApp extends InProcessService {
  readonly publisher: EventPublisher;
  createPartner(name?: string): Promise<string>;
  createEndpoint(
    apiKey: string,
    body: { url: string; eventTypes?: string[]; headers?: Record<string, string> },
  ): Promise<{ id: string; secret: string }>;
  api(
    apiKey: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Publishes a payment.succeeded event of this amount (minor units) and returns it. */
  publishPayment(amount: number, currency?: string): Promise<DomainEvent>;
  /** Publishes an order.cancelled event (any order event would do) and returns it. */
  publishOrderEvent(orderId?: string): Promise<DomainEvent>;
  deliveryOf(
    eventId: string,
    endpointId: string,
  ): Promise<{ status: string; attempts: number } | undefined>;
  /** The id of the message an event became (for a partner with one subscribed endpoint). */
  messageOf(eventId: string): Promise<string>;
}

/** Notifications in this process: loopback receivers allowed, a retry schedule in milliseconds. */
export async function startNotificationsApp(
  label: string,
  env: Record<string, string> = {},
  /** Another instance's database and topic prefix: a second instance of the same deployment. */
  shared?: Parameters<typeof startInProcessService>[3],
): Promise<NotificationsTestApp> {
  const service = await startInProcessService(
    label,
    (base) => AppModule.forRoot(loadConfig(NotificationsEnv, base)),
    {
      ADMIN_TOKEN,
      DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
      DELIVERY_RETRY_SCHEDULE: '0,300ms,600ms',
      DELIVERY_TIMEOUT_MS: '2000',
      DELIVERY_POLL_MS: '50',
      ...env,
    },
    shared,
  );
  // A service left running when its publisher cannot be made would outlive the test file.
  const publisher = await createTestPublisher(service.kafkaPrefix, [
    Topics.ordersEvents,
    Topics.paymentsEvents,
  ]).catch(async (err: unknown) => {
    await service.close();
    throw err;
  });
  const call = async (token: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return {
    ...service,
    publisher,
    api: call,
    createPartner: async (name = 'Acme') =>
      (await call(ADMIN_TOKEN, 'POST', '/v1/partners', { name })).body['apiKey'] as string,
    createEndpoint: async (apiKey, body) => {
      const res = await call(apiKey, 'POST', '/v1/endpoints', { eventTypes: ['order.*'], ...body });
      if (res.status !== 201) throw new Error(`endpoint not created: ${JSON.stringify(res.body)}`);
      return { id: res.body['id'] as string, secret: res.body['secret'] as string };
    },
    publishPayment: async (amount, currency = 'usd') => {
      const orderId = randomUUID();
      const event = createEvent('payment.succeeded', orderId, {
        orderId,
        provider: 'stripe',
        providerEventId: `evt_${randomUUID().replace(/-/g, '')}`,
        paymentIntentId: 'pi_filters',
        amount,
        currency,
      });
      await publisher.sendBatch([
        {
          topic: `${service.kafkaPrefix}${Topics.paymentsEvents}`,
          messages: [{ key: orderId, value: JSON.stringify(event) }],
        },
      ]);
      return event;
    },
    publishOrderEvent: async (orderId = randomUUID()) => {
      const event = createEvent('order.cancelled', orderId, { orderId, reason: 'test' });
      await publisher.sendBatch([
        {
          topic: `${service.kafkaPrefix}${Topics.ordersEvents}`,
          messages: [{ key: orderId, value: JSON.stringify(event) }],
        },
      ]);
      return event;
    },
    deliveryOf: async (eventId, endpointId) => {
      const [row] = await service.dataSource.query(
        `SELECT d.status, d.attempts FROM notifications.deliveries d JOIN notifications.messages m ON m.id = d.message_id
         WHERE m.event_id = $1 AND d.event_id = $1 AND d.endpoint_id = $2`,
        [eventId, endpointId],
      );
      return row;
    },
    messageOf: async (eventId) => {
      const [row] = await service.dataSource.query(
        'SELECT id FROM notifications.messages WHERE event_id = $1',
        [eventId],
      );
      return row.id;
    },
    close: async () => {
      await publisher.disconnect();
      await service.close();
    },
  };
}

/** What specs that deliver start with: the app, one partner's API key and a loopback receiver. */
export interface DeliveryBed {
  readonly t: NotificationsTestApp;
  readonly receiver: ScriptedReceiver;
  readonly apiKey: string;
  close(): Promise<void>;
}

export async function startDeliveryBed(
  label: string,
  env: Record<string, string> = {},
): Promise<DeliveryBed> {
  const t = await startNotificationsApp(label, env);
  const receiver = new ScriptedReceiver();
  await receiver.start();
  return {
    t,
    receiver,
    apiKey: await t.createPartner(),
    close: async () => {
      await t.close();
      await receiver.stop();
    },
  };
}
