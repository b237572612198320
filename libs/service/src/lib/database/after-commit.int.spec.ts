import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { DataSource } from 'typeorm';
import { afterCommit } from '@switchyard/messaging';
import { dataSourceOptions } from './database';

describe('afterCommit (real Postgres)', () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase('after_commit');
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
});
