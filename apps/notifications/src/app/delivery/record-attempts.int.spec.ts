import { waitFor } from '@switchyard/testing';
import { DataSource } from 'typeorm';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { type ClaimedDelivery, DeliveryRepository } from './delivery.repository';
import { DeliveryWorker } from './delivery.worker';
import { type AttemptRecord, RecordAttemptUseCase } from './record-attempt.usecase';

const INSTANCE = 'test-instance';

describe('recording attempts that end together, in one batch (real Postgres and Kafka)', () => {
  let t: NotificationsTestApp;
  let apiKey: string;

  beforeAll(async () => {
    // Given an instance whose worker is stopped: the test leases and records by hand
    t = await startNotificationsApp('record_batch', { DELIVERY_BREAKER_THRESHOLD: '100' });
    await t.app.get(DeliveryWorker).beforeApplicationShutdown();
    apiKey = await t.createPartner();
  });

  afterAll(() => t?.close());

  /** Due deliveries of `count` events to a new endpoint, leased to INSTANCE. */
  async function leased(
    count: number,
  ): Promise<{ endpointId: string; claimed: ClaimedDelivery[] }> {
    const endpoint = await t.createEndpoint(apiKey, { url: 'http://127.0.0.1:9/unused' });
    const events = [];
    for (let i = 0; i < count; i++) events.push(await t.publishOrderEvent());
    for (const event of events) {
      await waitFor(
        'the delivery',
        async () => (await t.deliveryOf(event.id, endpoint.id)) !== undefined,
      );
    }
    const ids: { id: string; eventId: string }[] = await t.dataSource.query(
      `SELECT id, event_id AS "eventId" FROM notifications.deliveries WHERE endpoint_id = $1`,
      [endpoint.id],
    );
    const claimed = await t.app
      .get(DataSource)
      .transaction((manager) => t.app.get(DeliveryRepository).lease(ids, INSTANCE, 60, manager));
    return { endpointId: endpoint.id, claimed };
  }

  const record = (d: ClaimedDelivery, verdict: 'success' | 'retry'): AttemptRecord => ({
    deliveryId: d.id,
    eventId: d.eventId,
    endpointId: d.endpointId,
    attempts: 1,
    verdict,
    delay: verdict === 'retry' ? 60_000 : null,
    response:
      verdict === 'success' ? { statusCode: 204, latencyMs: 3 } : { statusCode: 500, latencyMs: 3 },
    instanceId: INSTANCE,
  });

  async function failuresOf(endpointId: string): Promise<number> {
    const [row]: { n: number }[] = await t.dataSource.query(
      'SELECT consecutive_failures AS n FROM notifications.endpoints WHERE id = $1',
      [endpointId],
    );
    return row!.n;
  }

  it('writes every attempt and every delivery of the batch', async () => {
    // Given three leased deliveries
    const { claimed } = await leased(3);

    // When their attempts end in the same turn
    const outcomes = await Promise.all(
      claimed.map((d) => t.app.get(RecordAttemptUseCase).execute(record(d, 'success'))),
    );

    // Then each is on record and settled
    expect(outcomes).toEqual([{ disabled: false }, { disabled: false }, { disabled: false }]);
    const [{ n }]: { n: number }[] = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM notifications.attempts WHERE delivery_id = ANY($1::uuid[])',
      [claimed.map((d) => d.id)],
    );
    expect(n).toBe(3);
    for (const d of claimed) {
      expect(await t.deliveryOf(d.eventId, d.endpointId)).toEqual({
        status: 'succeeded',
        attempts: 1,
      });
    }
  });

  it("commits a batch of successes, their deliveries and the endpoint's cleared failure streak together", async () => {
    // Given an endpoint with a failure streak and two leased deliveries
    const { endpointId, claimed } = await leased(2);
    await t.dataSource.query(
      'UPDATE notifications.endpoints SET consecutive_failures = 3 WHERE id = $1',
      [endpointId],
    );

    // When both attempts succeed in the same batch
    const recorder = t.app.get(RecordAttemptUseCase);
    await Promise.all(claimed.map((d) => recorder.execute(record(d, 'success'))));

    // Then the streak is cleared, and every row the batch wrote carries one transaction id
    expect(await failuresOf(endpointId)).toBe(0);
    const ids = claimed.map((d) => d.id);
    const written: { xid: string }[] = await t.dataSource.query(
      `SELECT xmin::text AS xid FROM notifications.attempts WHERE delivery_id = ANY($1::uuid[])
       UNION ALL SELECT xmin::text FROM notifications.deliveries WHERE id = ANY($1::uuid[])
       UNION ALL SELECT xmin::text FROM notifications.endpoints WHERE id = $2`,
      [ids, endpointId],
    );
    expect(written).toHaveLength(5);
    expect(new Set(written.map((r) => r.xid)).size).toBe(1);
  });

  it.each([
    ['a failure after a success counts', ['success', 'retry'] as const, 1],
    ['a success after a failure heals', ['retry', 'success'] as const, 0],
  ])('applies health in the order attempts ended: %s', async (_case, verdicts, failures) => {
    // Given an endpoint with two leased deliveries
    const { endpointId, claimed } = await leased(2);

    // When their attempts end in this order, in the same batch
    const recorder = t.app.get(RecordAttemptUseCase);
    await Promise.all(claimed.map((d, i) => recorder.execute(record(d, verdicts[i]!))));

    // Then the endpoint's failure streak is what the last of them says
    expect(await failuresOf(endpointId)).toBe(failures);
  });

  it('tells an attempt whose lease another instance took that it lost it, and settles the rest', async () => {
    // Given two leased deliveries, one of which another instance has since taken over
    const { claimed } = await leased(2);
    await t.dataSource.query(
      `UPDATE notifications.deliveries SET locked_by = 'other' WHERE id = $1`,
      [claimed[0]!.id],
    );

    // When both attempts end in the same batch
    const recorder = t.app.get(RecordAttemptUseCase);
    const outcomes = await Promise.all(claimed.map((d) => recorder.execute(record(d, 'success'))));

    // Then the lost one is reported and left to its owner, the other is settled
    expect(outcomes).toEqual([{ disabled: false, leaseLost: true }, { disabled: false }]);
    expect(await t.deliveryOf(claimed[0]!.eventId, claimed[0]!.endpointId)).toEqual({
      status: 'pending',
      attempts: 0,
    });
    expect(await t.deliveryOf(claimed[1]!.eventId, claimed[1]!.endpointId)).toEqual({
      status: 'succeeded',
      attempts: 1,
    });
  });
});
