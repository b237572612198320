import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { DeliveryWorker } from '../delivery/delivery.worker';

describe("replays wake every instance's delivery worker (real Kafka and Postgres)", () => {
  /** Takes the partner's calls and sends nothing itself. */
  let front: NotificationsTestApp;
  /** Another instance of the same deployment: the only one sending. */
  let sender: NotificationsTestApp;
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    // Given two instances whose polls are a minute away, and the one the partner calls not sending
    front = await startNotificationsApp('replay_wake', { DELIVERY_POLL_MS: '60000' });
    sender = await startNotificationsApp(
      'replay_wake',
      { DELIVERY_POLL_MS: '60000' },
      { database: front.database, kafkaPrefix: front.kafkaPrefix },
    );
    await front.app.get(DeliveryWorker).beforeApplicationShutdown();
    receiver = new ScriptedReceiver();
    await receiver.start();
  });

  afterAll(async () => {
    await sender?.close();
    await front?.close();
    await receiver?.stop();
  });

  const settled = (eventId: string, endpointId: string, status: string) =>
    waitFor(
      `the delivery to be ${status}`,
      async () => (await front.deliveryOf(eventId, endpointId))?.status === status,
      { timeoutMs: 10_000 },
    );

  type Replay = (failed: {
    apiKey: string;
    eventId: string;
    endpointId: string;
    since: string;
  }) => Promise<{ status: number }>;

  const replays: [string, Replay][] = [
    [
      'one message to one endpoint (POST /v1/messages/:id/replay)',
      async ({ apiKey, eventId, endpointId }) =>
        front.api(apiKey, 'POST', `/v1/messages/${await front.messageOf(eventId)}/replay`, {
          endpointId,
        }),
    ],
    [
      "an endpoint's failed deliveries (POST /v1/endpoints/:id/replay)",
      ({ apiKey, endpointId, since }) =>
        front.api(apiKey, 'POST', `/v1/endpoints/${endpointId}/replay`, { since }),
    ],
    [
      'an event type over a time range (POST /v1/replay)',
      ({ apiKey, endpointId, since }) =>
        front.api(apiKey, 'POST', '/v1/replay', {
          eventType: 'order.cancelled',
          from: since,
          to: new Date(Date.now() + 1000).toISOString(),
          endpointId,
        }),
    ],
  ];

  it.each(replays)(
    'sends a replay of %s from another instance at once, not at its next poll',
    async (_what, replay) => {
      // Given a partner's delivery that failed for good (the sending instance was woken by fan-out)
      const apiKey = await front.createPartner();
      const path = `/replay-${Math.random().toString(36).slice(2)}`;
      const since = new Date(Date.now() - 1000).toISOString();
      const endpoint = await front.createEndpoint(apiKey, { url: receiver.url(path) });
      receiver.script(path, { kind: 'status', status: 400 });
      const event = await front.publishOrderEvent();
      await settled(event.id, endpoint.id, 'failed');

      // When the partner replays it through the instance that does not send
      const res = await replay({ apiKey, eventId: event.id, endpointId: endpoint.id, since });

      // Then the other instance sends it well before its minute-long poll would have
      expect(res.status).toBe(202);
      await settled(event.id, endpoint.id, 'succeeded');
      expect(receiver.requestsTo(path)).toHaveLength(2);
      expect(front.app.get(DeliveryWorker).attemptsMade).toBe(0);
    },
  );
});
