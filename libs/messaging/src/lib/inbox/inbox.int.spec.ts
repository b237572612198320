import { createEvent } from '@switchyard/contracts';
import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { inboxTableDdl } from '../messaging-ddl';
import { handleBatchOnce, handleOnce, inboxInsertSql, InboxRow } from './inbox';

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

  const recordEach = (m: import('typeorm').EntityManager, e: { id: string }) =>
    recordEffect(e.id)(m);

  it('applies a batch in one transaction, each new event once, and skips those seen before or twice in it', async () => {
    // Given one event applied already
    const seen = event();
    await handleOnce(db.dataSource, 'svc', 'test', seen, recordEffect(seen.id));
    const [a, b] = [event(), event()];

    // When a batch carries a, the seen one, b, and a again
    const told: string[][] = [];
    const results = await handleBatchOnce(
      db.dataSource,
      'svc',
      'test',
      [a, seen, b, a],
      async (m, e, _i, applying) => {
        told.push(applying.map((x) => x.id));
        await recordEach(m, e);
      },
    );

    // Then a and b are applied once each, the rest are duplicates
    expect(results).toEqual(['applied', 'duplicate', 'applied', 'duplicate']);
    // And each call was told the events the transaction applies: a and b, not the duplicates
    expect(told).toEqual([
      [a.id, b.id],
      [a.id, b.id],
    ]);
    expect([await effectsOf(a.id), await effectsOf(seen.id), await effectsOf(b.id)]).toEqual([
      1, 1, 1,
    ]);
  });

  it('keeps nothing of a batch whose handler failed on one event, so each can be redelivered', async () => {
    // Given a batch whose second event's handler fails after the first one's write
    const [a, b] = [event(), event()];
    await expect(
      handleBatchOnce(db.dataSource, 'svc', 'test', [a, b], async (m, e) => {
        await recordEach(m, e);
        if (e.id === b.id) throw new Error('b is not welcome');
      }),
    ).rejects.toThrow('b is not welcome');

    // Then neither write nor inbox row stayed: a redelivery of a applies it
    expect(await effectsOf(a.id)).toBe(0);
    expect(await handleOnce(db.dataSource, 'svc', 'test', a, recordEffect(a.id))).toBe('applied');
  });

  describe('InboxRow: the handler writes the row with its effects', () => {
    /** The effect and the inbox row in one statement, the effect only when the row is new. */
    async function recordInOneStatement(row: InboxRow): Promise<void> {
      const [{ fresh }] = await db.dataSource.query(
        `WITH inbox AS (${inboxInsertSql('svc', ['$1', '$2', '$3'])}),
         effect AS (INSERT INTO svc.effects (event_id) SELECT $2 WHERE EXISTS (SELECT 1 FROM inbox))
         SELECT EXISTS (SELECT 1 FROM inbox) AS fresh`,
        row.params,
      );
      row.took(fresh);
    }

    it('applies an event delivered concurrently five times once, with no transaction', async () => {
      const e = event();
      const rows = Array.from({ length: 5 }, () => new InboxRow(db.dataSource, 'svc', 'own', e));

      await Promise.all(rows.map(recordInOneStatement));

      expect(rows.map((r) => r.outcome).sort()).toEqual([
        'applied',
        'duplicate',
        'duplicate',
        'duplicate',
        'duplicate',
      ]);
      expect(await effectsOf(e.id)).toBe(1);
    });

    it('records an event with no effects alone, and a second copy as a duplicate', async () => {
      const e = event();
      const first = new InboxRow(db.dataSource, 'svc', 'own', e);
      const second = new InboxRow(db.dataSource, 'svc', 'own', e);

      expect(await first.recordAlone(db.dataSource.manager)).toBe(true);
      expect(await second.recordAlone(db.dataSource.manager)).toBe(false);

      expect([first.outcome, second.outcome]).toEqual(['applied', 'duplicate']);
    });

    it('runs a handler that needs a transaction in the inbox transaction, once', async () => {
      const e = event();
      const rows = [1, 2].map(() => new InboxRow(db.dataSource, 'svc', 'own', e));

      for (const row of rows) await row.transaction(recordEffect(e.id));

      expect(rows.map((r) => r.outcome)).toEqual(['applied', 'duplicate']);
      expect(await effectsOf(e.id)).toBe(1);
    });

    it('refuses a handler that settled nothing, or settled twice, as an event to dead-letter at once', () => {
      const row = new InboxRow(db.dataSource, 'svc', 'own', event());

      expect(() => row.outcome).toThrow(
        expect.objectContaining({ code: 'inbox_row_unsettled', name: 'UnprocessableEventError' }),
      );
      expect(() => row.outcome).toThrow(/did not write its inbox row/);
      row.took(true);
      expect(() => row.took(false)).toThrow(/settled twice/);
    });
  });
});
