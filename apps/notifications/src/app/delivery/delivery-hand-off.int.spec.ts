import { createEvent } from '@switchyard/contracts';
import { waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
} from '../../testing/notifications-app.test-helper';
import { ClaimDeliveriesUseCase } from './claim-deliveries.usecase';
import { DeliveryWorker } from './delivery.worker';
import { FanOutRepository } from './fan-out.repository';

async function succeeded(
  t: NotificationsTestApp,
  eventId: string,
  endpointId: string,
): Promise<void> {
  await waitFor('the delivery to succeed', async () => {
    const delivery = (await t.deliveryOf(eventId, endpointId)) as { status: string } | undefined;
    return delivery?.status === 'succeeded';
  });
}

describe('deliveries handed from fan-out to the worker (real Kafka and Postgres, a receiver on loopback)', () => {
  let bed: DeliveryBed | undefined;

  // A poll a minute apart: nothing in these tests is claimed because a poll came round.
  beforeAll(async () => {
    bed = await startDeliveryBed('hand_off', { DELIVERY_POLL_MS: '60000' });
  });
  afterAll(() => bed?.close());

  afterEach(() => jest.restoreAllMocks());

  /** The instance that made each attempt at the event's deliveries. */
  async function sentBy(eventId: string): Promise<string[]> {
    const { t } = bed as DeliveryBed;
    const rows: { sent_by: string }[] = await t.dataSource.query(
      `SELECT sent_by FROM notifications.attempts WHERE event_id = $1`,
      [eventId],
    );
    return rows.map((r) => r.sent_by);
  }

  it('sends a delivery to a free endpoint as soon as its fan-out commits, without claiming it', async () => {
    // Given an endpoint with no rate limit, no FIFO order and a closed circuit
    const { t, receiver, apiKey } = bed as DeliveryBed;
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/free') });
    const claims = jest.spyOn(t.app.get(ClaimDeliveriesUseCase), 'execute');

    // When an event is fanned out to it
    const event = await t.publishOrderEvent();

    // Then this instance delivers it and records one attempt, and its worker claimed nothing
    await succeeded(t, event.id, endpoint.id);
    expect(receiver.requestsTo('/free')).toHaveLength(1);
    expect(await sentBy(event.id)).toEqual([t.app.get(DeliveryWorker).instanceId]);
    expect(claims).not.toHaveBeenCalled();
  });

  it('leaves a delivery to a rate-limited endpoint to a claim, which wins its slot first', async () => {
    // Given an endpoint held to a rate limit
    const { t, receiver, apiKey } = bed as DeliveryBed;
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/limited') });
    await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, { rateLimitPerSecond: 5 });
    const claims = jest.spyOn(t.app.get(ClaimDeliveriesUseCase), 'execute');

    // When an event is fanned out to it
    const event = await t.publishOrderEvent();

    // Then the delivery goes out through a claim, woken by its announcement, not the poll
    await succeeded(t, event.id, endpoint.id);
    expect(claims).toHaveBeenCalled();
  });
});

describe('deliveries handed to a worker with little room (real Kafka and Postgres, a receiver on loopback)', () => {
  let bed: DeliveryBed | undefined;

  // One request at a time: an idle worker has room for three deliveries (three batches of one).
  beforeAll(async () => {
    bed = await startDeliveryBed('hand_off_room', {
      DELIVERY_POLL_MS: '60000',
      DELIVERY_CONCURRENCY: '1',
    });
  });
  afterAll(() => bed?.close());

  afterEach(() => jest.restoreAllMocks());

  it("leases no more of an event's deliveries than the worker has room for, and the rest are claimed", async () => {
    // Given four free endpoints subscribed to the event, and an idle worker with room for three
    const { t, receiver, apiKey } = bed as DeliveryBed;
    const endpoints = [];
    for (let i = 0; i < 4; i++) {
      endpoints.push(await t.createEndpoint(apiKey, { url: receiver.url(`/room-${i}`) }));
    }
    const claims = jest.spyOn(t.app.get(ClaimDeliveriesUseCase), 'execute');

    // When the event is fanned out
    const event = await t.publishOrderEvent();

    // Then all four are delivered, three handed over at fan-out and the fourth through a claim
    for (const endpoint of endpoints) await succeeded(t, event.id, endpoint.id);
    const claimed = await Promise.all(claims.mock.results.map((r) => r.value));
    expect(claimed.flatMap((c: { deliveries: unknown[] }) => c.deliveries)).toHaveLength(1);
  });
});

describe('a delivery leased at fan-out to an instance that is gone (real Kafka and Postgres, a receiver on loopback)', () => {
  let bed: DeliveryBed | undefined;

  // The default poll: what an instance leaves behind when it dies is found by time alone.
  beforeAll(async () => {
    bed = await startDeliveryBed('hand_off_gone');
  });
  afterAll(() => bed?.close());

  it('is sent by another instance once its lease ends, and not before', async () => {
    // Given an event fanned out with its delivery leased for a second to an instance that died
    // before it was handed the delivery
    const { t, receiver, apiKey } = bed as DeliveryBed;
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/orphan') });
    const [{ partner_id: partnerId }] = await t.dataSource.query(
      `SELECT partner_id FROM notifications.endpoints WHERE id = $1`,
      [endpoint.id],
    );
    const orderId = randomUUID();
    const event = createEvent('order.cancelled', orderId, { orderId, reason: 'test' });
    const { leased } = await t.app.get(FanOutRepository).write(
      [
        {
          event: {
            eventId: event.id,
            eventType: event.type,
            subject: event.subject,
            payload: JSON.stringify(event),
          },
          messages: [{ id: `msg_${uuidv7()}`, partnerId }],
          deliveries: [{ partnerId, endpointId: endpoint.id, filteredReason: null }],
        },
      ],
      t.dataSource.manager,
      null,
      { instanceId: 'gone:1:000000', room: 10, leaseSeconds: 1, breakerThreshold: 5 },
    );
    expect(leased.map((d) => d.endpointId)).toEqual([endpoint.id]);
    // Its lease's end, as Postgres wrote it (created_at is the insert's own clock, taken a few
    // milliseconds into the statement, so it is no measure of the lease)
    const [{ lease_end: leaseEnd }] = await t.dataSource.query(
      `SELECT locked_until AS lease_end FROM notifications.deliveries WHERE event_id = $1`,
      [event.id],
    );

    // When nobody hands it over
    await succeeded(t, event.id, endpoint.id);

    // Then this instance's worker sent it, once the lease had ended
    const [attempt] = await t.dataSource.query(
      `SELECT sent_by, attempted_at >= $2::timestamptz AS after_lease
       FROM notifications.attempts WHERE event_id = $1`,
      [event.id, leaseEnd],
    );
    expect(attempt.sent_by).toBe(t.app.get(DeliveryWorker).instanceId);
    expect(attempt.after_lease).toBe(true);
    expect(receiver.requestsTo('/orphan')).toHaveLength(1);
  });
});
