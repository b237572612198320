import { createEvent } from '@switchyard/contracts';
import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { inboxTableDdl } from '../messaging-ddl';
import { handleOnce } from './inbox';

describe('idempotent inbox (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('inbox', 'svc', [
      ...inboxTableDdl('svc'),
      'CREATE TABLE svc.effects (event_id uuid NOT NULL)',
    ]);
  });

  afterAll(async () => {
    await db?.close();
  });

  const event = () =>
    createEvent('order.fulfilled', randomUUID(), {
      orderId: randomUUID(),
      fulfilledAt: new Date().toISOString(),
    });

  async function effectsOf(eventId: string): Promise<number> {
    const [{ n }] = await db.dataSource.query(
      'SELECT count(*)::int AS n FROM svc.effects WHERE event_id = $1',
      [eventId],
    );
    return n;
  }

  const recordEffect = (eventId: string) => (m: import('typeorm').EntityManager) =>
    m.query('INSERT INTO svc.effects (event_id) VALUES ($1)', [eventId]).then(() => undefined);

  it('applies an event delivered twice once', async () => {
    const e = event();

    expect(await handleOnce(db.dataSource, 'svc', 'test', e, recordEffect(e.id))).toBe('applied');
    expect(await handleOnce(db.dataSource, 'svc', 'test', e, recordEffect(e.id))).toBe('duplicate');
    expect(await effectsOf(e.id)).toBe(1);
  });

  it('applies an event delivered concurrently five times once', async () => {
    const e = event();

    const results = await Promise.all(
      Array.from({ length: 5 }, () =>
        handleOnce(db.dataSource, 'svc', 'test', e, recordEffect(e.id)),
      ),
    );

    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(await effectsOf(e.id)).toBe(1);
  });

  it('forgets an event whose handler failed, so a redelivery applies it', async () => {
    const e = event();

    await expect(
      handleOnce(db.dataSource, 'svc', 'test', e, async () => {
        throw new Error('downstream unavailable');
      }),
    ).rejects.toThrow('downstream unavailable');

    expect(await handleOnce(db.dataSource, 'svc', 'test', e, recordEffect(e.id))).toBe('applied');
    expect(await effectsOf(e.id)).toBe(1);
  });

  it('lets two consumers each apply the same event once', async () => {
    const e = event();

    expect(await handleOnce(db.dataSource, 'svc', 'billing', e, recordEffect(e.id))).toBe(
      'applied',
    );
    expect(await handleOnce(db.dataSource, 'svc', 'shipping', e, recordEffect(e.id))).toBe(
      'applied',
    );
    expect(await effectsOf(e.id)).toBe(2);
  });
});
