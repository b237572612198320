import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { QueryFailedError } from 'typeorm';
import { writeTogether } from './write-together';

describe('writes of several tables in one statement (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('write_together', 'svc', [
      'CREATE TABLE svc.orders (id int PRIMARY KEY, status text NOT NULL)',
      'CREATE TABLE svc.events (id int PRIMARY KEY, order_id int NOT NULL)',
    ]);
  });

  afterAll(async () => {
    await db?.close();
  });

  const count = async (table: string): Promise<number> =>
    Number((await db.dataSource.query(`SELECT count(*) AS n FROM svc.${table}`))[0].n);

  it('makes every write and answers how many rows each part returned, in the order given', async () => {
    // Given an order
    await db.dataSource.query(`INSERT INTO svc.orders VALUES (1, 'pending')`);

    // When its change, two of its events and a question are one statement, with a part left out
    const counts = await writeTogether(db.dataSource.manager, [
      {
        text: 'UPDATE svc.orders SET status = $2 WHERE id = $1 RETURNING 1',
        params: [1, 'paid'],
      },
      null,
      {
        text: 'INSERT INTO svc.events SELECT unnest($1::int[]), $2 RETURNING 1',
        params: [[10, 11], 1],
      },
      { text: 'SELECT 1 FROM svc.orders WHERE status = $1', params: ['pending'] },
    ]);

    // Then all of it is written; the question saw the order as the statement began
    expect(counts).toEqual([1, 0, 2, 1]);
    expect(await db.dataSource.query('SELECT status FROM svc.orders')).toEqual([
      { status: 'paid' },
    ]);
    expect(await count('events')).toBe(2);
  });

  it('writes nothing when one part fails', async () => {
    // Given the events so far
    const before = await count('events');

    // When one part inserts an event that exists
    const together = writeTogether(db.dataSource.manager, [
      { text: 'INSERT INTO svc.events VALUES ($1, $2) RETURNING 1', params: [20, 1] },
      { text: 'INSERT INTO svc.events VALUES ($1, $2) RETURNING 1', params: [10, 1] },
    ]);

    // Then the statement fails, and the other part's event is not there either
    await expect(together).rejects.toBeInstanceOf(QueryFailedError);
    expect(await count('events')).toBe(before);
  });
});
