import { MetricsReading, ScriptedReceiver, waitFor } from '@switchyard/testing';
import { dueDeliveriesChannel } from './delivery/delivery.repository';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../testing/notifications-app.test-helper';

describe('notifications metrics, read from /metrics after real deliveries (real Kafka and Postgres)', () => {
  let t: NotificationsTestApp;
  const receiver = new ScriptedReceiver();

  beforeAll(async () => {
    await receiver.start();
    // Three attempts in all (0, 300 ms, 600 ms), so a failing endpoint gives up within a second
    t = await startNotificationsApp('notifications_metrics');
  });

  afterAll(async () => {
    await t?.close();
    await receiver.stop();
  });

  const read = () => MetricsReading.of(t.url);

  it('counts each delivery outcome, attempt times, a disabled endpoint and a replay exactly', async () => {
    // Given a partner with four endpoints on order.cancelled: one that answers 204, one whose
    // filter rules the event out, one that always answers 500 and one that answers 410 Gone
    const apiKey = await t.createPartner('Metrics partner');
    const eventTypes = ['order.cancelled'];
    const ok = await t.createEndpoint(apiKey, { url: receiver.url('/ok'), eventTypes });
    const ruledOut = await t.api(apiKey, 'POST', '/v1/endpoints', {
      url: receiver.url('/filtered'),
      eventTypes,
      filter: { 'data.reason': 'never this reason' },
    });
    expect(ruledOut.status).toBe(201);
    const failing = await t.createEndpoint(apiKey, { url: receiver.url('/failing'), eventTypes });
    const gone = await t.createEndpoint(apiKey, { url: receiver.url('/gone'), eventTypes });
    receiver.always('/failing', { kind: 'status', status: 500 });
    receiver.always('/gone', { kind: 'status', status: 410 });
    const before = await read();

    // When an order event arrives, and once everything is settled the partner replays its message
    // to the endpoint that works
    const event = await t.publishOrderEvent();
    await waitFor('every delivery of the event to be settled', async () => {
      const states = await Promise.all(
        [ok, failing, gone].map((e) => t.deliveryOf(event.id, e.id)),
      );
      return states.every((s) => s && s.status !== 'pending') ? states : undefined;
    });
    const messageId = await t.messageOf(event.id);
    const replay = await t.api(apiKey, 'POST', `/v1/messages/${messageId}/replay`, {
      endpointId: ok.id,
    });
    expect(replay.status).toBe(202);
    await waitFor('the replay to reach the endpoint', () =>
      receiver.requestsTo('/ok').length === 2 ? true : undefined,
    );
    const after = await waitFor('the replayed attempt to be recorded', async () => {
      const now = await read();
      return now.value('switchyard_deliveries_total', { result: 'succeeded' }) -
        before.value('switchyard_deliveries_total', { result: 'succeeded' }) ===
        2
        ? now
        : undefined;
    });

    // Then
    const increase = (name: string, labels: Record<string, string> = {}) =>
      after.value(name, labels) - before.value(name, labels);
    const results = (result: string) => increase('switchyard_deliveries_total', { result });
    expect(results('succeeded')).toBe(2);
    expect(results('filtered')).toBe(1);
    expect(results('retrying')).toBe(2);
    expect(results('gave_up')).toBe(1);
    expect(results('failed')).toBe(1);
    expect(
      increase('switchyard_webhook_attempt_duration_seconds_count', { result: 'succeeded' }),
    ).toBe(2);
    expect(increase('switchyard_webhook_attempt_duration_seconds_count')).toBe(6);
    expect(increase('switchyard_webhook_attempts_total')).toBe(6);
    expect(increase('switchyard_endpoints_disabled_total', { reason: 'gone' })).toBe(1);
    expect(increase('switchyard_endpoints_disabled_total')).toBe(1);
    expect(increase('switchyard_replays_total', { kind: 'message' })).toBe(1);
    expect(
      increase('switchyard_events_handled_total', {
        consumer: 'partner-fanout',
        event_type: 'order.cancelled',
        outcome: 'applied',
      }),
    ).toBe(1);
    for (const gauge of [
      'switchyard_deliveries_due',
      'switchyard_deliveries_due_oldest_age_seconds',
      'switchyard_endpoint_circuits_open',
    ]) {
      expect([gauge, after.has(gauge), after.value(gauge)]).toEqual([gauge, true, 0]);
    }
    // the endpoint answering 500 is failing (the one answering 410 is disabled, not failing)
    expect(after.value('switchyard_endpoints_failing')).toBe(1);
    expect(after.value('switchyard_endpoint_failing_longest_seconds')).toBeGreaterThan(0);
  });

  it('counts replays by kind: a message, the failed deliveries of an endpoint, a time range', async () => {
    // Given an endpoint that failed an event three times (given up), then recovers
    const apiKey = await t.createPartner('Replay partner');
    const since = new Date(Date.now() - 1000).toISOString();
    const endpoint = await t.createEndpoint(apiKey, {
      url: receiver.url('/recovering'),
      eventTypes: ['order.cancelled'],
    });
    const failure = { kind: 'status', status: 500 } as const;
    receiver.script('/recovering', failure, failure, failure);
    const event = await t.publishOrderEvent();
    await waitFor('the delivery to be given up', async () =>
      (await t.deliveryOf(event.id, endpoint.id))?.status === 'failed' ? true : undefined,
    );
    const before = await read();

    // When the partner recovers its failed deliveries, then replays the time range
    const failed = await t.api(apiKey, 'POST', `/v1/endpoints/${endpoint.id}/replay`, { since });
    await waitFor('the recovered delivery', () =>
      receiver.requestsTo('/recovering').length === 4 ? true : undefined,
    );
    // a range replay leaves a delivery not yet attempted alone, as this one reads until recorded
    await waitFor('the recovered delivery to be recorded', async () =>
      (await t.deliveryOf(event.id, endpoint.id))?.status === 'succeeded' ? true : undefined,
    );
    const range = await t.api(apiKey, 'POST', '/v1/replay', {
      eventType: 'order.cancelled',
      from: since,
      to: new Date(Date.now() + 1000).toISOString(),
      endpointId: endpoint.id,
    });
    await waitFor('the replayed range', () =>
      receiver.requestsTo('/recovering').length === 5 ? true : undefined,
    );

    // Then each replay is counted under its kind, with the deliveries it made due
    expect(failed.body).toEqual({ replayed: 1 });
    expect(range.body).toEqual({ replayed: 1 });
    const after = await waitFor('both replayed deliveries to be recorded', async () => {
      const now = await read();
      return now.value('switchyard_deliveries_total', { result: 'succeeded' }) -
        before.value('switchyard_deliveries_total', { result: 'succeeded' }) ===
        2
        ? now
        : undefined;
    });
    const replays = (kind: string) =>
      after.value('switchyard_replays_total', { kind }) -
      before.value('switchyard_replays_total', { kind });
    expect(replays('failed')).toBe(1);
    expect(replays('range')).toBe(1);
    expect(replays('message')).toBe(0);
  });

  it('shows deliveries due and waiting, and how long the oldest has waited, until a worker sends them', async () => {
    // Given an instance that polls only once a minute, and a delivered delivery made due again
    // a minute ago without announcing it (as a retry coming due looks to the worker)
    const slow = await startNotificationsApp('notifications_queue', { DELIVERY_POLL_MS: '60000' });
    try {
      const apiKey = await slow.createPartner('Queue partner');
      const endpoint = await slow.createEndpoint(apiKey, {
        url: receiver.url('/queued'),
        eventTypes: ['order.cancelled'],
      });
      const event = await slow.publishOrderEvent();
      await waitFor('the first delivery to arrive', () =>
        receiver.requestsTo('/queued').length === 1 ? true : undefined,
      );
      // the receipt comes before the worker records it: made due again before that, the record
      // would settle it once more
      await waitFor('the first delivery to be recorded', async () =>
        (await slow.deliveryOf(event.id, endpoint.id))?.status === 'succeeded' ? true : undefined,
      );
      await slow.dataSource.query(
        `UPDATE notifications.deliveries
         SET status = 'pending', next_attempt_at = now() - interval '60 seconds'
         WHERE event_id = $1 AND endpoint_id = $2`,
        [event.id, endpoint.id],
      );

      // When Prometheus scrapes
      const waiting = await MetricsReading.of(slow.url);

      // Then one delivery is due and has waited a minute; once the worker hears of it, none is
      expect(waiting.value('switchyard_deliveries_due')).toBe(1);
      expect(waiting.value('switchyard_deliveries_due_oldest_age_seconds')).toBeGreaterThanOrEqual(
        60,
      );
      await slow.dataSource.query('SELECT pg_notify($1, $2)', [
        dueDeliveriesChannel('notifications'),
        '',
      ]);
      await waitFor('the waiting delivery to be sent', () =>
        receiver.requestsTo('/queued').length === 2 ? true : undefined,
      );
      const drained = await waitFor('the queue to read empty', async () => {
        const now = await MetricsReading.of(slow.url);
        return now.value('switchyard_deliveries_due') === 0 ? now : undefined;
      });
      expect(drained.value('switchyard_deliveries_due_oldest_age_seconds')).toBe(0);
    } finally {
      await slow.close();
    }
  });

  it("shows deliveries waiting on an endpoint's rate limit, and an open circuit", async () => {
    // Given an endpoint limited to one delivery a second, and one whose circuit opens after two
    // failures (breaker threshold 2, a cool-down of a minute)
    const guarded = await startNotificationsApp('notifications_guarded', {
      DELIVERY_BREAKER_THRESHOLD: '2',
      DELIVERY_BREAKER_COOLDOWN_MS: '60000',
    });
    try {
      const apiKey = await guarded.createPartner('Guarded partner');
      const limited = await guarded.api(apiKey, 'POST', '/v1/endpoints', {
        url: receiver.url('/limited'),
        eventTypes: ['order.cancelled'],
        rateLimitPerSecond: 1,
      });
      expect(limited.status).toBe(201);
      await guarded.createEndpoint(apiKey, {
        url: receiver.url('/broken'),
        eventTypes: ['order.cancelled'],
      });
      receiver.always('/broken', { kind: 'status', status: 503 });

      // When three events arrive at once
      for (let i = 0; i < 3; i++) await guarded.publishOrderEvent();

      // Then while the limited endpoint's backlog leaves one a second, the queue shows it
      // waiting on the rate limit, and the failing endpoint's circuit opens
      // three due at a limit of one a second: while one is sent, those past the first second's
      // budget wait on the limit
      await waitFor('deliveries to wait on the rate limit', async () =>
        (await MetricsReading.of(guarded.url)).value('switchyard_deliveries_due_rate_limited') >= 1
          ? true
          : undefined,
      );
      await waitFor(
        'the rate-limited endpoint to get all three, one a second',
        () => (receiver.requestsTo('/limited').length === 3 ? true : undefined),
        { timeoutMs: 15_000 },
      );
      const after = await waitFor('the circuit to show as open', async () => {
        const now = await MetricsReading.of(guarded.url);
        return now.value('switchyard_endpoint_circuits_open') === 1 ? now : undefined;
      });
      expect(after.has('switchyard_deliveries_due_rate_limited')).toBe(true);
      expect(after.value('switchyard_deliveries_due_rate_limited')).toBe(0);
      expect(after.value('switchyard_endpoints_failing')).toBe(1);
      const limitedTimes = receiver.requestsTo('/limited').map((r) => r.at);
      expect((limitedTimes[2] as number) - (limitedTimes[0] as number)).toBeGreaterThanOrEqual(
        1900,
      );
    } finally {
      await guarded.close();
    }
  });
});
