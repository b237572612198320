import { type ScriptedReceiver, waitFor } from '@switchyard/testing';
import { type QueryRunner } from 'typeorm';
import {
  type DeliveryBed,
  type NotificationsTestApp,
  startDeliveryBed,
} from '../../testing/notifications-app.test-helper';
import { DeliveryRepository } from './delivery.repository';

/** Deliveries published in each test: more than any bound lets out while recording is held. */
const EVENTS = 10;

describe('sending while attempts wait to be recorded (real Postgres and Kafka, a receiver on loopback)', () => {
  let bed: DeliveryBed | undefined;
  let t: NotificationsTestApp, receiver: ScriptedReceiver, apiKey: string;

  beforeAll(async () => {
    // One request at a time; leases renewed every third of a second, the worker's own clock for
    // the tests' "nothing more was sent" checks
    bed = await startDeliveryBed('backpressure', {
      DELIVERY_CONCURRENCY: '1',
      DELIVERY_LEASE_MS: '1000',
    });
    ({ t, receiver, apiKey } = bed);
  });
  afterAll(() => bed?.close());

  // Each test starts with nothing due or held by the worker: no request of another test's
  // could take the room the test counts.
  beforeEach(() =>
    waitFor('no delivery due or held', async () => {
      const [{ n }]: { n: number }[] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notifications.deliveries
         WHERE locked_by IS NOT NULL OR (status = 'pending' AND next_attempt_at <= now())`,
      );
      return n === 0 || undefined;
    }),
  );

  /** Holds every insert into the attempts table, as a database too slow to record would. */
  async function holdRecording(): Promise<QueryRunner> {
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    await holder.query('LOCK TABLE notifications.attempts IN SHARE MODE');
    return holder;
  }

  async function release(holder: QueryRunner): Promise<void> {
    await holder.rollbackTransaction();
    await holder.release();
  }

  /** Waits for two more lease renewals: the worker has run well past any send it had ready. */
  async function twoRenewalsLater(): Promise<void> {
    const renewals = jest.spyOn(t.app.get(DeliveryRepository), 'renewLeases');
    try {
      await waitFor('two lease renewals', () => renewals.mock.calls.length >= 2 || undefined);
    } finally {
      renewals.mockRestore();
    }
  }

  /** Endpoints created by a test, disabled after it: each test's events reach its own alone. */
  const created: string[] = [];
  afterEach(async () => {
    for (const id of created.splice(0)) {
      await t.api(apiKey, 'PATCH', `/v1/endpoints/${id}`, { enabled: false });
    }
  });

  async function publishTo(path: string): Promise<string> {
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url(path) });
    created.push(endpoint.id);
    for (let i = 0; i < EVENTS; i++) await t.publishOrderEvent();
    return endpoint.id;
  }

  it('keeps sending successes until four times the concurrency wait to be recorded, then delivers the rest once the database takes them', async () => {
    // Given recording held, and events for an endpoint that answers 204
    const holder = await holdRecording();
    let endpointId: string;
    try {
      endpointId = await publishTo('/ok');

      // When the worker sends what it may
      await waitFor('four requests', () => receiver.requestsTo('/ok').length >= 4 || undefined);
      await twoRenewalsLater();

      // Then it sent four (twice the concurrency stopped it at two) and no more
      expect(receiver.requestsTo('/ok')).toHaveLength(4);
    } finally {
      await release(holder);
    }

    // And once the database takes the attempts, every delivery goes out once and is recorded
    await waitFor(
      'every delivery to succeed',
      async () => {
        const [{ n }]: { n: number }[] = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM notifications.deliveries
           WHERE endpoint_id = $1 AND status = 'succeeded'`,
          [endpointId],
        );
        return n === EVENTS || undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(receiver.requestsTo('/ok')).toHaveLength(EVENTS);
  });

  it('stops sending once failed answers and the request in flight reach twice the concurrency', async () => {
    // Given recording held, and events for an endpoint that answers 500
    receiver.always('/failing', { kind: 'status', status: 500 });
    const holder = await holdRecording();
    try {
      await publishTo('/failing');

      // When the worker sends what it may
      await waitFor('two requests', () => receiver.requestsTo('/failing').length >= 2 || undefined);
      await twoRenewalsLater();

      // Then it sent two: failures waiting for their record count against the circuit breaker's
      // bound, as they did before successes were given more room
      expect(receiver.requestsTo('/failing')).toHaveLength(2);
    } finally {
      await release(holder);
    }
  });
});
