import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { queryPrepared, statementName } from './prepared-query';

describe('prepared statements (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('prepared', 'svc', [
      'CREATE TABLE svc.items (id int PRIMARY KEY, label text NOT NULL)',
    ]);
  });

  afterAll(async () => {
    await db?.close();
  });

  const insert = 'INSERT INTO svc.items (id, label) VALUES ($1, $2) RETURNING id';

  it('prepares a statement once on its connection and reuses it at every later call', async () => {
    // Given one connection (a transaction), when the same text runs three times
    const prepared = await db.dataSource.transaction(async (manager) => {
      for (const id of [1, 2, 3]) await queryPrepared(manager, insert, [id, `item ${id}`]);
      return queryPrepared<{ name: string }>(
        manager,
        'SELECT name FROM pg_prepared_statements WHERE statement = $1',
        [insert],
      );
    });

    // Then Postgres holds it once, under the name its text gives
    expect(prepared.rows).toEqual([{ name: statementName(insert) }]);
  });

  it('answers the rows a statement returns and how many rows it touched', async () => {
    await queryPrepared(db.dataSource.manager, insert, [10, 'ten']);
    await queryPrepared(db.dataSource.manager, insert, [11, 'eleven']);

    const updated = await queryPrepared<{ id: number }>(
      db.dataSource.manager,
      `UPDATE svc.items SET label = upper(label) WHERE id = ANY($1::int[]) RETURNING id`,
      [[10, 11, 12]],
    );

    expect(updated.rowCount).toBe(2);
    expect(updated.rows.map((r) => r.id).sort()).toEqual([10, 11]);
  });

  it("fails as TypeORM's QueryFailedError carrying Postgres' error code, and its connection stays usable", async () => {
    // Given one connection
    const runner = db.dataSource.createQueryRunner();
    try {
      await queryPrepared(runner.manager, insert, [20, 'twenty']);

      // When a prepared statement fails on it
      const failure = await queryPrepared(runner.manager, insert, [20, 'again']).catch(
        (err: unknown) => err,
      );

      // Then the error says why, and the same connection runs the statement again
      expect(failure).toBeInstanceOf(QueryFailedError);
      expect(
        (failure as QueryFailedError & { driverError: { code: string } }).driverError.code,
      ).toBe('23505');
      expect((await queryPrepared(runner.manager, insert, [21, 'next'])).rowCount).toBe(1);
    } finally {
      await runner.release();
    }
  });

  it('refuses a statement of a transaction whose connection is gone, rather than commit it elsewhere', async () => {
    // Given a transaction whose runner was released (as TypeORM does when its connection fails)
    const runner = db.dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.release();

    // When one more of its statements is run
    const failure = await queryPrepared(runner.manager, insert, [30, 'orphan']).catch(
      (err: unknown) => err,
    );

    // Then it fails as a released runner, and nothing was written on another connection
    expect(failure).toBeInstanceOf(QueryRunnerAlreadyReleasedError);
    const [{ n }] = await db.dataSource.query(
      'SELECT count(*)::int AS n FROM svc.items WHERE id = 30',
    );
    expect(n).toBe(0);
  });
});
