import { waitFor } from '@switchyard/testing';
import { type DeliveryBed, startDeliveryBed } from '../../testing/notifications-app.test-helper';
import { DeliveryWorker } from './delivery.worker';

describe('stopping a delivery worker (real Postgres and Kafka, a receiver on loopback)', () => {
  let bed: DeliveryBed | undefined;

  beforeAll(async () => {
    // One request at a time, so a second claimed delivery waits for a slot.
    bed = await startDeliveryBed('delivery_stop', {
      DELIVERY_CONCURRENCY: '1',
      DELIVERY_SHUTDOWN_GRACE_MS: '200',
    });
  });
  afterAll(() => bed?.close());

  it('gives back at once a delivery it claimed but had not sent, with no attempt on record', async () => {
    const { t, receiver, apiKey } = bed as DeliveryBed;
    // Given two deliveries claimed by the worker: one in flight to an endpoint that hangs, one
    // waiting for the slot
    receiver.always('/hang', { kind: 'hang' });
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url('/hang') });
    await t.publishOrderEvent();
    await t.publishOrderEvent();
    await waitFor('both deliveries to be claimed', async () => {
      const [{ n }]: { n: number }[] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notifications.deliveries
         WHERE endpoint_id = $1 AND locked_by IS NOT NULL`,
        [endpoint.id],
      );
      return n === 2 || undefined;
    });

    // When the worker stops
    await t.app.get(DeliveryWorker).beforeApplicationShutdown();

    // Then neither is held: the waiting one has no attempt, the one in flight its interrupted one
    const rows: { locked_by: string | null; status: string; attempts: number; logged: number }[] =
      await t.dataSource.query(
        `SELECT d.locked_by, d.status, d.attempts,
                (SELECT count(*)::int FROM notifications.attempts a WHERE a.delivery_id = d.id) AS logged
         FROM notifications.deliveries d WHERE d.endpoint_id = $1 ORDER BY logged`,
        [endpoint.id],
      );
    expect(rows).toEqual([
      { locked_by: null, status: 'pending', attempts: 0, logged: 0 },
      { locked_by: null, status: 'pending', attempts: 0, logged: 1 },
    ]);
  });
});
