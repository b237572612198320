import { randomUUID } from 'node:crypto';
import { createEvent } from '@switchyard/contracts';
import { FanOutUseCase } from './fan-out.usecase';
import { DeliveryWorker } from './delivery.worker';
import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';

describe('delivery controls (real Kafka and Postgres, receivers on loopback)', () => {
  let receiver: ScriptedReceiver;

  beforeAll(async () => {
    receiver = new ScriptedReceiver();
    await receiver.start();
  });

  afterAll(() => receiver?.stop());

  const settled = (t: NotificationsTestApp, eventId: string, endpointId: string, status: string) =>
    waitFor(
      `the delivery to be ${status}`,
      async () => (await t.deliveryOf(eventId, endpointId))?.status === status,
      {
        timeoutMs: 30_000,
      },
    );

  it('holds an endpoint to its rate limit with two instances sending at once', async () => {
    // Given two notifications instances on one database and one topic prefix
    const first = await startNotificationsApp('rate');
    const second = await startNotificationsApp(
      'rate',
      {},
      { database: first.database, kafkaPrefix: first.kafkaPrefix },
    );
    try {
      const apiKey = await first.createPartner();
      const endpoint = await first.createEndpoint(apiKey, { url: receiver.url('/limited') });
      await first.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { rateLimitPerSecond: 5 });

      // When 20 events need delivering to it
      const events = [];
      for (let i = 0; i < 20; i++) events.push(await first.publishOrderEvent());
      for (const e of events) await settled(first, e.id, endpoint.id, 'succeeded');

      // Then no second saw more than 5 requests (6 where a window's two edges both hold one), and both instances sent
      const arrivals = receiver.requestsTo('/limited').map((r) => r.at);
      const busiest = Math.max(
        ...arrivals.map((t0) => arrivals.filter((t) => t >= t0 && t < t0 + 1000).length),
      );
      expect(arrivals).toHaveLength(20);
      expect(busiest).toBeLessThanOrEqual(6);
      expect(first.app.get(DeliveryWorker).attemptsMade).toBeGreaterThan(0);
      expect(second.app.get(DeliveryWorker).attemptsMade).toBeGreaterThan(0);
    } finally {
      await second.close();
      await first.close();
    }
  }, 90_000);

  describe('with a breaker of 3 failures and a 1.5 s cool-down', () => {
    let t: NotificationsTestApp;
    let apiKey: string;

    beforeAll(async () => {
      t = await startNotificationsApp('breaker', {
        DELIVERY_BREAKER_THRESHOLD: '3',
        DELIVERY_BREAKER_COOLDOWN_MS: '1500',
        // Retries slower than recording three concurrent failures takes on a loaded machine: a
        // retry must not slip out before the failures that open the circuit are on record.
        DELIVERY_RETRY_SCHEDULE: '0,400ms,400ms,400ms,400ms,400ms,400ms,400ms',
        DELIVERY_AUTO_DISABLE_AFTER_MS: '4000',
      });
      apiKey = await t.createPartner();
    });

    afterAll(() => t?.close());

    it('stops sending to a failing endpoint, probes once after the cool-down, and closes on success', async () => {
      const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/breaker') });
      receiver.script(
        '/breaker',
        ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 500 })),
      );

      const events = [
        await t.publishOrderEvent(),
        await t.publishOrderEvent(),
        await t.publishOrderEvent(),
      ];
      for (const e of events) await settled(t, e.id, endpoint.id, 'succeeded');

      const arrivals = receiver.requestsTo('/breaker').map((r) => r.at);
      const start = arrivals[0] ?? 0;
      // Three failures open the circuit: nothing else is sent during the cool-down...
      expect(arrivals.filter((at) => at < start + 1400)).toHaveLength(3);
      // ...then one probe, which fails and reopens it; the next probe succeeds and the rest follow.
      const afterFirstCooldown = arrivals.filter((at) => at >= start + 1400 && at < start + 2900);
      expect(afterFirstCooldown).toHaveLength(1);
    }, 60_000);

    it('disables an endpoint that keeps failing, and tells the partner on its other endpoints', async () => {
      const failing = await t.createEndpoint(apiKey, { url: receiver.url('/dead') });
      const monitor = await t.createEndpoint(apiKey, {
        url: receiver.url('/monitor'),
        eventTypes: ['endpoint.disabled'],
      });
      receiver.always('/dead', { kind: 'status', status: 503 });

      await t.publishOrderEvent();
      await waitFor(
        'the endpoint to be disabled',
        async () =>
          (await t.api(apiKey, 'GET', `/v1/endpoints/${failing.id}`)).body['enabled'] === false,
        {
          timeoutMs: 30_000,
        },
      );
      const [notice] = await waitFor('endpoint.disabled at the monitor', () => {
        const got = receiver.requestsTo('/monitor');
        return got.length > 0 ? got : undefined;
      });

      expect(JSON.parse(notice?.body ?? '{}')).toMatchObject({
        type: 'endpoint.disabled',
        subject: failing.id,
        data: {
          endpointId: failing.id,
          reason: expect.stringMatching(/^every attempt failed for \d+s$/),
        },
      });
      const view = await t.api(apiKey, 'GET', `/v1/endpoints/${failing.id}`);
      expect(view.body['disabledReason']).toMatch(/every attempt failed/);
      // The notice went to the monitoring endpoint, recorded like any delivery.
      const noticeId = (JSON.parse(notice?.body ?? '{}') as { id: string }).id;
      await settled(t, noticeId, monitor.id, 'succeeded');
    }, 60_000);
  });

  describe('FIFO and per-endpoint schedules', () => {
    let t: NotificationsTestApp;
    let apiKey: string;

    beforeAll(async () => {
      t = await startNotificationsApp('fifo', { DELIVERY_RETRY_SCHEDULE: '0,200ms,200ms,200ms' });
      apiKey = await t.createPartner();
    });

    afterAll(() => t?.close());

    it('delivers a FIFO endpoint one at a time in event order, the failing head blocking the rest', async () => {
      const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/fifo') });
      await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { fifo: true });
      receiver.script('/fifo', { kind: 'status', status: 500 }, { kind: 'status', status: 500 });

      // One order's events share a partition, so they are consumed, and queued, in the order they happened.
      const orderId = randomUUID();
      const events = [
        await t.publishOrderEvent(orderId),
        await t.publishOrderEvent(orderId),
        await t.publishOrderEvent(orderId),
      ];
      for (const e of events) await settled(t, e.id, endpoint.id, 'succeeded');

      const order = receiver
        .requestsTo('/fifo')
        .map((r) => (JSON.parse(r.body) as { id: string }).id);
      expect(order).toEqual([
        events[0]?.id,
        events[0]?.id,
        events[0]?.id,
        events[1]?.id,
        events[2]?.id,
      ]);
    }, 60_000);

    it('delivers a FIFO endpoint in event order when one transaction fans many events out together', async () => {
      // Given a FIFO endpoint
      const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/fifo-batch') });
      await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { fifo: true });

      // When one transaction fans out 40 events of one order, as a consumed batch is (their
      // deliveries are written together, in one statement, at its commit)
      const orderId = randomUUID();
      const events = Array.from({ length: 40 }, (_, i) =>
        createEvent('order.cancelled', orderId, { orderId, reason: `step ${i}` }),
      );
      const fanOut = t.app.get(FanOutUseCase);
      await t.dataSource.transaction(async (manager) => {
        for (const event of events) await fanOut.execute(manager, event);
      });

      // Then the endpoint receives them one at a time in the order they were fanned out
      for (const e of events) await settled(t, e.id, endpoint.id, 'succeeded');
      const received = receiver
        .requestsTo('/fifo-batch')
        .map((r) => (JSON.parse(r.body) as { id: string }).id);
      expect(received).toEqual(events.map((e) => e.id));
      // and their ids increase in event order, so rows the clock cannot tell apart (one
      // statement writes several in a microsecond) keep it too
      const ids = (
        (await t.dataSource.query(
          `SELECT d.id::text AS id FROM notifications.deliveries d
           JOIN unnest($1::uuid[]) WITH ORDINALITY AS e(id, ord) ON e.id = d.event_id
           WHERE d.endpoint_id = $2 ORDER BY e.ord`,
          [events.map((e) => e.id), endpoint.id],
        )) as { id: string }[]
      ).map((r) => r.id);
      expect(ids).toHaveLength(events.length);
      expect(ids).toEqual([...ids].sort());
    }, 60_000);

    it("follows an endpoint's own retry schedule instead of the default", async () => {
      const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/once') });
      const patched = await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, {
        retrySchedule: '0',
      });
      receiver.always('/once', { kind: 'status', status: 500 });

      const event = await t.publishOrderEvent();
      await settled(t, event.id, endpoint.id, 'failed');

      expect(patched.body['retrySchedule']).toBe('0');
      expect(await t.deliveryOf(event.id, endpoint.id)).toEqual({ status: 'failed', attempts: 1 });
      const refused = await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, {
        retrySchedule: '5m,1s',
      });
      expect(refused.status).toBe(400);
    });
  });
});
