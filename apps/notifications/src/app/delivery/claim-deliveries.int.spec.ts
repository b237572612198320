import { waitFor } from '@switchyard/testing';
import { v7 as uuidv7 } from 'uuid';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { ClaimDeliveriesUseCase } from './claim-deliveries.usecase';
import { DeliveryRepository } from './delivery.repository';
import { DeliveryWorker } from './delivery.worker';

const BREAKER_THRESHOLD = 100;

describe('claiming due deliveries (real Postgres and Kafka)', () => {
  let t: NotificationsTestApp;
  let apiKey: string;

  beforeAll(async () => {
    // Given an instance whose worker is stopped: the test claims by hand
    t = await startNotificationsApp('claim', {
      DELIVERY_BREAKER_THRESHOLD: String(BREAKER_THRESHOLD),
    });
    await t.app.get(DeliveryWorker).beforeApplicationShutdown();
    apiKey = await t.createPartner();
  });

  afterAll(() => t?.close());

  /**
   * New endpoints, one per patch (applied to it), the only ones enabled, and `count` events due
   * to each: the ids of the deliveries, endpoint by endpoint.
   */
  async function dueTo(count: number, ...patches: Record<string, unknown>[]): Promise<string[][]> {
    await t.dataSource.query('UPDATE notifications.endpoints SET enabled = false');
    const endpoints = [];
    for (const patch of patches) {
      const endpoint = await t.createEndpoint(apiKey, { url: 'http://127.0.0.1:9/unused' });
      if (Object.keys(patch).length > 0)
        await t.api(apiKey, 'PATCH', `/v1/endpoints/${endpoint.id}`, patch);
      endpoints.push(endpoint.id);
    }
    const events = [];
    for (let i = 0; i < count; i++) events.push(await t.publishOrderEvent());
    for (const event of events) {
      for (const endpointId of endpoints) {
        await waitFor(
          'the delivery',
          async () => (await t.deliveryOf(event.id, endpointId)) !== undefined,
        );
      }
    }
    const ids = [];
    for (const endpointId of endpoints) {
      const rows: { id: string }[] = await t.dataSource.query(
        'SELECT id FROM notifications.deliveries WHERE endpoint_id = $1',
        [endpointId],
      );
      ids.push(rows.map((r) => r.id));
    }
    return ids;
  }

  const claimFree = (instanceId: string, limit = 16) =>
    t.app.get(DeliveryRepository).claimFree(limit, BREAKER_THRESHOLD, instanceId, 60);

  async function leasedBy(ids: readonly string[]): Promise<Map<string, string | null>> {
    const rows: { id: string; locked_by: string | null }[] = await t.dataSource.query(
      'SELECT id, locked_by FROM notifications.deliveries WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.locked_by]));
  }

  it('leases the due deliveries of endpoints that need no slot in one statement, and skips those another claim holds', async () => {
    // Given 12 deliveries due to a plain endpoint, 4 of them locked by another claim in progress
    const [ids = []] = await dueTo(12, {});
    const held = ids.slice(0, 4);
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query(
        'SELECT id FROM notifications.deliveries WHERE id = ANY($1::uuid[]) FOR UPDATE',
        [held],
      );

      // When an instance claims
      const first = await claimFree('instance-a');

      // Then it leased the 8 others, with what sending them takes, and the lease says whose
      expect(first.leased.map((d) => d.id).sort()).toEqual(ids.slice(4).sort());
      expect(first.passedOver).toBe(false);
      expect(first.leased[0]).toMatchObject({ url: 'http://127.0.0.1:9/unused', attempts: 0 });
      const owners = await leasedBy(ids);
      for (const id of ids.slice(4)) expect(owners.get(id)).toBe('instance-a');
      for (const id of held) expect(owners.get(id)).toBeNull();
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }

    // And once the other claim ends, the next claim takes the 4, and then nothing is left
    const second = await claimFree('instance-b');
    expect(second.leased.map((d) => d.id).sort()).toEqual([...held].sort());
    expect(await claimFree('instance-c')).toEqual({ leased: [], due: 0, passedOver: false });
  });

  it('leases deliveries in place, writing no index entry (HOT updates), as each partition leaves room for it', async () => {
    // Given 300 deliveries due to one endpoint, inserted as new rows in the order they fell due:
    // enough to fill pages, were they filled
    await t.dataSource.query('UPDATE notifications.endpoints SET enabled = false');
    const endpoint = await t.createEndpoint(apiKey, { url: 'http://127.0.0.1:9/unused' });
    const eventIds = Array.from({ length: 300 }, () => uuidv7());
    await t.dataSource.query(
      `WITH m AS (
         INSERT INTO notifications.messages (id, partner_id, event_id, event_type, subject, payload)
         SELECT 'msg_' || e::text, p.partner_id, e, 'order.created', 'o', repeat('x', 300)
         FROM unnest($1::uuid[]) e, (SELECT partner_id FROM notifications.endpoints WHERE id = $2) p
         RETURNING id, event_id)
       INSERT INTO notifications.deliveries (id, message_id, event_id, endpoint_id, next_attempt_at)
       SELECT gen_random_uuid(), m.id, m.event_id, $2, now() - interval '1 hour' + n * interval '1 ms'
       FROM m JOIN unnest($1::uuid[]) WITH ORDINALITY AS o(event_id, n) ON o.event_id = m.event_id
       ORDER BY n`,
      [eventIds, endpoint.id],
    );
    const fillfactors: { reloptions: string[] | null }[] = await t.dataSource.query(
      `SELECT c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'notifications.deliveries'::regclass`,
    );
    expect(fillfactors.length).toBeGreaterThan(1);
    for (const f of fillfactors) expect(f.reloptions).toEqual(['fillfactor=50']);

    // When an instance claims the 16 due first (inserted first, so on the same page)
    const counts = await t.dataSource.transaction(async (manager) => {
      // Read before and after within the transaction: the counts can include an earlier
      // transaction's on the same connection, not yet flushed to the statistics.
      const updates = async () =>
        (
          (await manager.query(
            `SELECT coalesce(sum(n_tup_upd), 0)::int AS updated, coalesce(sum(n_tup_hot_upd), 0)::int AS hot
             FROM pg_stat_xact_user_tables
             WHERE schemaname = 'notifications' AND relname LIKE 'deliveries%'`,
          )) as { updated: number; hot: number }[]
        )[0] as { updated: number; hot: number };
      const before = await updates();
      const claim = await t.app
        .get(DeliveryRepository)
        .claimFree(16, BREAKER_THRESHOLD, 'instance-hot', 60, manager);
      const after = await updates();
      return {
        leased: claim.leased.length,
        updated: after.updated - before.updated,
        hot: after.hot - before.hot,
      };
    });

    // Then each lease was written on its row's own page, with no index entry: the half of the
    // page left free holds the 16 longer rows a lease makes
    expect(counts).toEqual({ leased: 16, updated: 16, hot: 16 });
  });

  it('renews its leases without waiting for a delivery another transaction has locked', async () => {
    // Given 4 deliveries leased to an instance, one of them locked by a settle in progress
    const [ids = []] = await dueTo(4, {});
    const claimed = await claimFree('instance-r');
    const keys = claimed.leased.map((d) => ({ id: d.id, eventId: d.eventId }));
    expect(keys).toHaveLength(4);
    const [settling, ...others] = ids;
    const before: { id: string; until: Date }[] = await t.dataSource.query(
      'SELECT id, locked_until AS until FROM notifications.deliveries WHERE id = ANY($1::uuid[])',
      [ids],
    );
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    try {
      await other.query('SELECT id FROM notifications.deliveries WHERE id = $1 FOR UPDATE', [
        settling,
      ]);

      // When the instance renews its leases
      await t.app.get(DeliveryRepository).renewLeases(keys, 'instance-r', 600);

      // Then it returned with the lock still held: the others are renewed, the locked one is not
      const after: { id: string; until: Date }[] = await t.dataSource.query(
        'SELECT id, locked_until AS until FROM notifications.deliveries WHERE id = ANY($1::uuid[])',
        [ids],
      );
      const untilOf = (rows: typeof after, id: string | undefined) =>
        rows.find((r) => r.id === id)?.until.getTime();
      for (const id of others) expect(untilOf(after, id)).toBeGreaterThan(untilOf(before, id) ?? 0);
      expect(untilOf(after, settling)).toBe(untilOf(before, settling));
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
  });

  it('lets a replay take a delivery from the instance sending it: its renewal no longer holds it', async () => {
    // Given a delivery leased to an instance that is sending it
    const [[id] = []] = await dueTo(1, {});
    const claimed = await claimFree('instance-x');
    const [delivery] = claimed.leased;
    expect(delivery?.id).toBe(id);

    // When an operator replays its message to the endpoint, and the instance then renews
    const repository = t.app.get(DeliveryRepository);
    expect(
      await repository.replayMessage(delivery?.messageId as string, delivery?.endpointId as string),
    ).toBe(1);
    await repository.renewLeases(
      [{ id: id as string, eventId: delivery?.eventId as string }],
      'instance-x',
      600,
    );

    // Then the delivery is due again for anyone, held by no one
    expect((await leasedBy([id as string])).get(id as string)).toBeNull();
    const [row] = await t.dataSource.query(
      'SELECT locked_until FROM notifications.deliveries WHERE id = $1',
      [id],
    );
    expect(row.locked_until).toBeNull();
  });

  it("passes over a rate-limited endpoint's deliveries, which the claim then takes after winning the endpoint's rate slot", async () => {
    // Given 3 deliveries due to an endpoint limited to 1 request a second
    const [ids = []] = await dueTo(3, { rateLimitPerSecond: 1 });

    // When the one-statement claim runs
    const free = await claimFree('instance-a');

    // Then it leased none and says it passed some over
    expect(free.leased).toEqual([]);
    expect(free.passedOver).toBe(true);
    expect([...(await leasedBy(ids)).values()]).toEqual([null, null, null]);

    // And the claim leases one, having taken the endpoint's slot
    const claim = await t.app.get(ClaimDeliveriesUseCase).execute(16, 'instance-a');
    expect(claim.deliveries).toHaveLength(1);
    expect(ids).toContain(claim.deliveries[0]?.id);
    expect(claim.more).toBe(true);
  });

  it('leases nothing in one statement while a FIFO endpoint is enabled, and the claim still takes what is due', async () => {
    // Given a FIFO endpoint and a plain one, two deliveries due to each
    const [fifo = [], plain = []] = await dueTo(2, { fifo: true }, {});

    // When the one-statement claim runs
    const free = await claimFree('instance-a');

    // Then it leased nothing, and says so
    expect(free).toEqual({ leased: [], due: 0, passedOver: true });

    // And the claim takes the FIFO endpoint's head and the plain endpoint's deliveries
    const claim = await t.app.get(ClaimDeliveriesUseCase).execute(16, 'instance-a');
    const claimed = claim.deliveries.map((d) => d.id);
    expect(claimed.filter((id) => fifo.includes(id))).toHaveLength(1);
    expect(claimed.filter((id) => plain.includes(id)).sort()).toEqual([...plain].sort());
  });
});
