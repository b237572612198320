import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { createTestPublisher } from '@switchyard/service-testing';
import { ServiceProcess, type TestDatabase } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { CONSOLE_OPERATOR_ENV } from './console-browser';
import { e2eStorage, json } from './e2e-stack';

/** Notifications as a process for the console's browser tests, and how to feed it orders. */
export interface ConsoleNotifications {
  readonly database: TestDatabase;
  readonly kafkaPrefix: string;
  readonly notifications: ServiceProcess;
  readonly adminToken: string;
  /** Publishes `event` on the orders topic, keyed by its subject, as orders does. */
  publishOrderEvent(event: DomainEvent): Promise<void>;
  stop(): Promise<void>;
}

/** Where the admin and partner APIs answer: a console stack, or the three-service stack. */
export interface NotificationsApi {
  readonly notifications: ServiceProcess;
  readonly adminToken: string;
}

/**
 * Starts notifications on `port` with e2eStorage's settings and CONSOLE_OPERATOR created at
 * first run; `env` goes over these.
 */
export async function startConsoleNotifications(
  label: string,
  port: number,
  env: Record<string, string> = {},
): Promise<ConsoleNotifications> {
  const { database, kafkaPrefix, adminToken, serviceEnv } = await e2eStorage(label);
  // The orders topic exists before notifications subscribes to it
  const publisher = await createTestPublisher(kafkaPrefix, [Topics.ordersEvents]);
  const notifications = new ServiceProcess({
    name: 'notifications',
    port,
    env: { ...serviceEnv, ...CONSOLE_OPERATOR_ENV, ...env },
  });
  try {
    await notifications.start();
  } catch (error) {
    await publisher.disconnect();
    await database.drop();
    throw error;
  }
  return {
    database,
    kafkaPrefix,
    notifications,
    adminToken,
    publishOrderEvent: async (event) => {
      await publisher.sendBatch([
        {
          topic: `${kafkaPrefix}${Topics.ordersEvents}`,
          messages: [{ key: event.subject, value: JSON.stringify(event) }],
        },
      ]);
    },
    stop: async () => {
      await notifications.stop();
      await publisher.disconnect();
      await database.drop();
    },
  };
}

/** An order.cancelled event for a new order. */
export function cancelledOrder(reason: string): DomainEvent<'order.cancelled'> {
  const orderId = randomUUID();
  return createEvent('order.cancelled', orderId, { orderId, reason });
}

/** A partner made through the admin API: its id and API key. */
export async function createPartner(
  api: NotificationsApi,
  name: string,
): Promise<{ id: string; apiKey: string }> {
  return json(
    await fetch(`${api.notifications.url}/v1/partners`, {
      method: 'POST',
      headers: adminHeaders(api),
      body: JSON.stringify({ name }),
    }),
  );
}

/** An endpoint of the partner whose API key is `apiKey`, made through the partner API. */
export async function createEndpoint(
  api: NotificationsApi,
  apiKey: string,
  endpoint: { url: string; eventTypes: string[] },
): Promise<{ id: string; secret: string }> {
  return json(
    await fetch(`${api.notifications.url}/v1/endpoints`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(endpoint),
    }),
  );
}

/** A portal link for the partner, issued through the admin API: the address to open. */
export async function issuePortalLink(
  api: NotificationsApi,
  partnerId: string,
  capability: 'manage' | 'read' = 'manage',
): Promise<string> {
  const link = await json<{ url: string }>(
    await fetch(`${api.notifications.url}/v1/partners/${partnerId}/portal-links`, {
      method: 'POST',
      headers: adminHeaders(api),
      body: JSON.stringify({ capability }),
    }),
  );
  return link.url;
}

/** A partner with one endpoint, both made through the APIs. */
export async function partnerWithEndpoint(
  api: NotificationsApi,
  name: string,
  endpoint: { url: string; eventTypes: string[] },
): Promise<{ partnerId: string; apiKey: string; endpointId: string; secret: string }> {
  const partner = await createPartner(api, name);
  const created = await createEndpoint(api, partner.apiKey, endpoint);
  return {
    partnerId: partner.id,
    apiKey: partner.apiKey,
    endpointId: created.id,
    secret: created.secret,
  };
}

/** A message in a partner's log, as the partner API lists it. */
export interface LoggedMessage {
  readonly id: string;
  readonly eventId: string;
  readonly deliveries: readonly { readonly status: string }[];
}

/** The partner's messages of `eventType`, newest first, as its API lists them. */
export async function partnerMessages(
  api: NotificationsApi,
  apiKey: string,
  eventType: string,
): Promise<LoggedMessage[]> {
  const response = await fetch(`${api.notifications.url}/v1/messages?eventType=${eventType}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  return (await json<{ data: LoggedMessage[] }>(response)).data;
}

function adminHeaders(api: NotificationsApi): Record<string, string> {
  return { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' };
}
