import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { Client } from 'pg';
import { type EntityManager, type QueryRunner } from 'typeorm';
import { LazyBeginClient } from './lazy-begin.client';
import { queryPrepared } from './prepared-query';

/** A pooled connection, counting its round trips (one ReadyForQuery ends each). */
async function countedRunner(db: TestDataSource): Promise<{
  runner: QueryRunner;
  client: Client;
  roundTrips: () => number;
}> {
  const runner = db.dataSource.createQueryRunner();
  const client = (await runner.connect()) as Client;
  let count = 0;
  const counter = (): void => {
    count++;
  };
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  connection.on('readyForQuery', counter);
  const release = runner.release.bind(runner);
  runner.release = async () => {
    connection.off('readyForQuery', counter);
    await release();
  };
  return { runner, client, roundTrips: () => count };
}

describe('a transaction whose BEGIN goes with its first statement (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource(
      'lazybegin',
      'svc',
      ['CREATE TABLE svc.items (id int PRIMARY KEY, label text NOT NULL)'],
      [],
      { Client: LazyBeginClient },
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  /** Whether a row is there for another connection: what a commit left, or a rollback did not. */
  async function stored(id: number): Promise<boolean> {
    const rows = await db.dataSource.query('SELECT 1 FROM svc.items WHERE id = $1', [id]);
    return rows.length === 1;
  }

  it('runs a transaction of three statements and its commit in four round trips, not five', async () => {
    // Given a pooled connection
    const { runner, roundTrips } = await countedRunner(db);
    try {
      // When a transaction runs three statements and commits
      await runner.startTransaction();
      const first = await runner.query('SELECT txid_current() AS txid');
      await runner.query('INSERT INTO svc.items (id, label) VALUES ($1, $2)', [1, 'one']);
      const second = await runner.query('SELECT txid_current() AS txid');
      await runner.commitTransaction();

      // Then the BEGIN went with the first statement, both statements ran in one transaction,
      // and what it wrote is committed
      expect(roundTrips()).toBe(4);
      expect(second[0].txid).toBe(first[0].txid);
      expect(await stored(1)).toBe(true);
    } finally {
      await runner.release();
    }
  });

  const firstStatements: [string, (m: EntityManager, id: number) => Promise<unknown>][] = [
    [
      'a named statement prepared before on the connection',
      async (m, id) => {
        const text = 'INSERT INTO svc.items (id, label) VALUES ($1, $2) RETURNING id';
        return (await queryPrepared<{ id: number }>(m, text, [id, 'named'])).rows;
      },
    ],
    [
      'a named statement the connection has not prepared yet',
      async (m, id) => {
        const text = `INSERT INTO svc.items (id, label) VALUES ($1, 'fresh ${id}') RETURNING id`;
        return (await queryPrepared<{ id: number }>(m, text, [id])).rows;
      },
    ],
    [
      'an unnamed statement with values',
      (m, id) =>
        m.query('INSERT INTO svc.items (id, label) VALUES ($1, $2) RETURNING id', [id, 'x']),
    ],
    [
      'a statement without values (simple protocol)',
      (m, id) => m.query(`INSERT INTO svc.items (id, label) VALUES (${id}, 'plain') RETURNING id`),
    ],
    [
      'a statement that returns no rows',
      (m, id) => m.query(`INSERT INTO svc.items (id, label) VALUES (${id}, 'quiet')`),
    ],
  ];

  it.each(firstStatements)(
    'runs %s inside the transaction, answering what it answers alone',
    async (_label, statement) => {
      // Given the statement run once on its own, to know its answer and prepare a named one
      await db.dataSource.transaction(async (m) => {
        await statement(m, 1000);
        await m.query('DELETE FROM svc.items WHERE id = 1000');
      });
      const alone = await db.dataSource.transaction((m) => statement(m, 2000));

      // When it opens a transaction that then rolls back
      const rolledBack = db.dataSource.transaction(async (m) => {
        const answered = await statement(m, 3000);
        expect(answered).toEqual(JSON.parse(JSON.stringify(alone).replaceAll('2000', '3000')));
        throw new Error('roll back');
      });

      // Then it ran inside that transaction: nothing it wrote is left
      await expect(rolledBack).rejects.toThrow('roll back');
      expect(await stored(2000)).toBe(true);
      expect(await stored(3000)).toBe(false);
      await db.dataSource.query('DELETE FROM svc.items WHERE id >= 1000');
    },
  );

  it('answers each statement of a query string that opens the transaction', async () => {
    const { runner, client } = await countedRunner(db);
    try {
      // When the first statement is a string of two, without values
      await runner.startTransaction();
      const answered = (await client.query("SELECT 'a' AS first; SELECT 'b' AS second")) as unknown;
      await runner.commitTransaction();

      // Then both answers come back, as node-postgres gives them alone
      const rows = (answered as { rows: unknown[] }[]).map((r) => r.rows);
      expect(rows).toEqual([[{ first: 'a' }], [{ second: 'b' }]]);
    } finally {
      await runner.release();
    }
  });

  it('keeps the isolation level a transaction asks for', async () => {
    // When a transaction asks for SERIALIZABLE (TypeORM's SET TRANSACTION goes with the BEGIN)
    const level = await db.dataSource.transaction('SERIALIZABLE', (m) =>
      m.query('SHOW transaction_isolation'),
    );

    // Then its statements ran at that level
    expect(level).toEqual([{ transaction_isolation: 'serializable' }]);
  });

  it('leaves a transaction whose first statement fails aborted for its rollback, then the connection clean', async () => {
    const { runner, client } = await countedRunner(db);
    try {
      // Given a transaction whose first statement fails
      await runner.startTransaction();
      const failed = runner.query('INSERT INTO svc.items (id, label) VALUES ($1, 1 / 0)', [4]);
      await expect(failed).rejects.toThrow('division by zero');

      // Then the transaction is open and aborted, as after a BEGIN of its own
      expect(client.getTransactionStatus()).toBe('E');
      await expect(runner.query('SELECT 1')).rejects.toThrow('current transaction is aborted');

      // When it rolls back, the connection is idle, and its next statement commits on its own
      await runner.rollbackTransaction();
      expect(client.getTransactionStatus()).toBe('I');
      await runner.query('INSERT INTO svc.items (id, label) VALUES ($1, $2)', [5, 'after']);
      expect(await stored(4)).toBe(false);
      expect(await stored(5)).toBe(true);
    } finally {
      await runner.release();
    }
  });

  it.each(['commit', 'rollback'] as const)(
    'sends nothing for a transaction that ran no statement before its %s',
    async (end) => {
      // Given a pooled connection
      const { runner, client, roundTrips } = await countedRunner(db);
      try {
        // When a transaction starts and ends without a statement
        await runner.startTransaction();
        await (end === 'commit' ? runner.commitTransaction() : runner.rollbackTransaction());

        // Then nothing went to Postgres, and the next statement runs outside any transaction
        expect(roundTrips()).toBe(0);
        await runner.query('INSERT INTO svc.items (id, label) VALUES ($1, $2)', [6, end]);
        expect(client.getTransactionStatus()).toBe('I');
        expect(await stored(6)).toBe(true);
        await runner.query('DELETE FROM svc.items WHERE id = 6');
      } finally {
        await runner.release();
      }
    },
  );

  it('runs a nested transaction (a savepoint) as its first statement', async () => {
    // When a transaction opens with a savepoint whose work rolls back, then writes on its own
    await db.dataSource.transaction(async (outer) => {
      await outer
        .transaction(async (inner) => {
          await inner.query('INSERT INTO svc.items (id, label) VALUES ($1, $2)', [7, 'inner']);
          throw new Error('undo the savepoint');
        })
        .catch(() => undefined);
      await outer.query('INSERT INTO svc.items (id, label) VALUES ($1, $2)', [8, 'outer']);
    });

    // Then only the savepoint's work is undone
    expect(await stored(7)).toBe(false);
    expect(await stored(8)).toBe(true);
  });

  it('refuses to open a transaction with a query object, which node-postgres answers at once', async () => {
    const { runner, client } = await countedRunner(db);
    try {
      await runner.startTransaction();
      const cursorLike = { submit: () => undefined, text: 'SELECT 1' };
      expect(() => client.query(cursorLike as never)).toThrow(
        /run a statement in the transaction first/,
      );
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  });
});
