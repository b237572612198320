import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { DataSource, type EntityManager } from 'typeorm';
import {
  afterCommit,
  beforeCommit,
  gatherUntilCommit,
  inTransaction,
  transactionLocal,
} from '@switchyard/messaging';
import { dataSourceOptions } from './database';

describe('commit hooks (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('commit_hooks');
    dataSource = new DataSource(
      dataSourceOptions({ DATABASE_URL: database.url, DB_SCHEMA: 'public' }, []),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await database?.drop();
  });

  it('runs an effect only once its transaction has committed', async () => {
    const ran: string[] = [];
    let ranBeforeCommit = true;

    await dataSource.transaction(async (manager) => {
      afterCommit(manager, () => ran.push('counted'));
      await manager.query('SELECT 1');
      ranBeforeCommit = ran.length > 0;
    });

    expect(ranBeforeCommit).toBe(false);
    expect(ran).toEqual(['counted']);
  });

  it('never runs the effect of a transaction that rolls back', async () => {
    const ran: string[] = [];

    await expect(
      dataSource.transaction(async (manager) => {
        afterCommit(manager, () => ran.push('counted'));
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    await dataSource.transaction((manager) => manager.query('SELECT 1'));

    expect(ran).toEqual([]);
  });

  it('drops what a rolled-back savepoint registered and keeps what its parent did', async () => {
    const ran: string[] = [];

    await dataSource.transaction(async (manager) => {
      afterCommit(manager, () => ran.push('outer'));
      await manager
        .transaction(async (inner) => {
          afterCommit(inner, () => ran.push('undone'));
          throw new Error('one event failed');
        })
        .catch(() => undefined);
      await manager.transaction(async (inner) => afterCommit(inner, () => ran.push('kept')));
    });

    expect(ran).toEqual(['outer', 'kept']);
  });

  it('runs at once outside a transaction, where the statement has committed already', () => {
    const ran: string[] = [];

    afterCommit(dataSource.manager, () => ran.push('now'));

    expect(ran).toEqual(['now']);
  });

  it('makes a deferred write inside the transaction, after the steps that deferred it, before it commits', async () => {
    await dataSource.query('CREATE TABLE IF NOT EXISTS deferred (step text, at_xid xid8)');
    const order: string[] = [];

    const xid = await dataSource.transaction(async (manager) => {
      beforeCommit(manager, async () => {
        order.push('write');
        await manager.query(`INSERT INTO deferred VALUES ('written', pg_current_xact_id())`);
      });
      order.push('step');
      const [{ id }] = await manager.query('SELECT pg_current_xact_id()::text AS id');
      afterCommit(manager, () => order.push('committed'));
      return id as string;
    });

    expect(order).toEqual(['step', 'write', 'committed']);
    const rows = await dataSource.query(`SELECT at_xid::text AS xid FROM deferred`);
    expect(rows).toEqual([{ xid }]);
  });

  it('rolls the transaction back when a deferred write fails, and says why', async () => {
    await dataSource.query('CREATE TABLE IF NOT EXISTS kept_out (n int)');
    const ran: string[] = [];

    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO kept_out VALUES (1)');
        beforeCommit(manager, async () => {
          await manager.query('SELECT 1 / 0');
        });
        afterCommit(manager, () => ran.push('committed'));
      }),
    ).rejects.toThrow('division by zero');

    expect(await dataSource.query('SELECT n FROM kept_out')).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('runs a write that a deferred write defers, in the same transaction', async () => {
    const ran: { step: string; xid: string }[] = [];
    const xidOf = async (manager: EntityManager) =>
      ((await manager.query('SELECT pg_current_xact_id()::text AS xid')) as { xid: string }[])[0]
        ?.xid as string;

    const xid = await dataSource.transaction(async (manager) => {
      beforeCommit(manager, async () => {
        ran.push({ step: 'first', xid: await xidOf(manager) });
        beforeCommit(manager, async () => {
          ran.push({ step: 'second', xid: await xidOf(manager) });
        });
      });
      return xidOf(manager);
    });

    expect(ran).toEqual([
      { step: 'first', xid },
      { step: 'second', xid },
    ]);
  });

  it('refuses to defer a write outside a transaction, where nothing would make it', () => {
    expect(() => beforeCommit(dataSource.manager, async () => undefined)).toThrow(
      'beforeCommit needs a transaction',
    );
  });

  it('writes what the steps of a transaction gathered once, in their order, before it commits', async () => {
    const writes: { items: readonly string[]; inTransaction: boolean }[] = [];
    const writer = {};

    await dataSource.transaction(async (manager) => {
      const write = async (items: readonly string[]) => {
        writes.push({ items: [...items], inTransaction: inTransaction(manager) });
      };
      for (const step of ['a', 'b', 'c']) gatherUntilCommit(manager, writer, step, write);
      expect(writes).toEqual([]);
    });

    expect(writes).toEqual([{ items: ['a', 'b', 'c'], inTransaction: true }]);
  });

  it('drops what a rolled-back savepoint gathered, and writes what its parent gathered after it', async () => {
    const writes: (readonly string[])[] = [];
    const writer = {};
    const write = async (items: readonly string[]) => {
      writes.push([...items]);
    };

    await dataSource.transaction(async (manager) => {
      await manager
        .transaction(async (inner) => {
          gatherUntilCommit(inner, writer, 'undone', write);
          throw new Error('one event failed');
        })
        .catch(() => undefined);
      gatherUntilCommit(manager, writer, 'kept', write);
    });

    expect(writes).toEqual([['kept']]);
  });

  it('keeps a transaction-local value for the whole transaction, savepoints included, and not after it', async () => {
    const key = {};
    const seen: unknown[] = [];
    let made = 0;
    const local = (manager: EntityManager) =>
      transactionLocal(manager, key, () => ({ made: ++made }));

    await dataSource.transaction(async (manager) => {
      seen.push(local(manager));
      await manager.transaction(async (inner) => {
        seen.push(local(inner));
      });
      seen.push(local(manager));
    });
    await expect(
      dataSource.transaction(async (manager) => {
        seen.push(local(manager));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await dataSource.transaction(async (manager) => {
      seen.push(local(manager));
    });

    expect(seen).toEqual([{ made: 1 }, { made: 1 }, { made: 1 }, { made: 2 }, { made: 3 }]);
    expect(seen[0]).toBe(seen[2]);
    expect(() => transactionLocal(dataSource.manager, key, () => 0)).toThrow(
      'transactionLocal needs a transaction',
    );
  });
});
