import { outboxTableDdl } from '@switchyard/messaging';
import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { readOutboxBacklog } from './outbox-backlog';

describe('readOutboxBacklog (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('outbox_backlog', 'shop', outboxTableDdl('shop'));
  });

  afterAll(() => db?.close());

  async function add(eventId: string, ageSeconds: number, published: boolean): Promise<void> {
    await db.dataSource.query(
      `INSERT INTO shop.outbox (event_id, topic, message_key, payload, created_at, published_at)
       VALUES ($1, 'orders.events.v1', 'k', '{}', now() - make_interval(secs => $2),
               CASE WHEN $3 THEN now() END)`,
      [eventId, ageSeconds, published],
    );
  }

  it('reads nothing waiting as 0 events, 0 seconds', async () => {
    expect(await readOutboxBacklog(db.dataSource, 'shop')).toEqual({
      events: 0,
      oldestAgeSeconds: 0,
    });
  });

  it('counts the unpublished events and how long the oldest has waited, published ones aside', async () => {
    await add('019ac9c4-5f2e-7b3a-8c1d-000000000001', 300, true);
    await add('019ac9c4-5f2e-7b3a-8c1d-000000000002', 90, false);
    await add('019ac9c4-5f2e-7b3a-8c1d-000000000003', 10, false);

    const backlog = await readOutboxBacklog(db.dataSource, 'shop');

    expect(backlog.events).toBe(2);
    expect(backlog.oldestAgeSeconds).toBeGreaterThanOrEqual(90);
    expect(backlog.oldestAgeSeconds).toBeLessThan(120);
  });
});
