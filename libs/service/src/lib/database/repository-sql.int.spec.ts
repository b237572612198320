import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { RepositorySql } from './repository-sql';

describe('running repository SQL (real Postgres)', () => {
  let db: TestDataSource;
  const sql = new RepositorySql('shop');

  beforeAll(async () => {
    db = await createTestDataSource('repository_sql', 'shop', [
      'CREATE TABLE shop.items (id int PRIMARY KEY, name text NOT NULL)',
    ]);
  });

  afterAll(() => db?.close());

  it('returns rows in one shape for SELECT, INSERT … RETURNING and UPDATE … RETURNING', async () => {
    const manager = db.dataSource.manager;

    const inserted = await sql.rows<{ id: number }>(
      manager,
      `INSERT INTO ${sql.schema}.items (id, name) VALUES (1, 'mug'), (2, 'tea') RETURNING id`,
    );
    const updated = await sql.rows<{ name: string }>(
      manager,
      `UPDATE ${sql.schema}.items SET name = upper(name) WHERE id = $1 RETURNING name`,
      [1],
    );
    const selected = await sql.rows<{ id: number; name: string }>(
      manager,
      `SELECT id, name FROM ${sql.schema}.items ORDER BY id`,
    );

    expect(inserted).toEqual([{ id: 1 }, { id: 2 }]);
    expect(updated).toEqual([{ name: 'MUG' }]);
    expect(selected).toEqual([
      { id: 1, name: 'MUG' },
      { id: 2, name: 'tea' },
    ]);
    expect(await sql.first(manager, `SELECT 1 AS one WHERE false`)).toBeUndefined();
  });

  it('counts the rows a statement touched', async () => {
    const manager = db.dataSource.manager;
    expect(await sql.affected(manager, `UPDATE ${sql.schema}.items SET name = name`)).toBe(2);
    expect(await sql.affected(manager, `DELETE FROM ${sql.schema}.items WHERE id = 99`)).toBe(0);
  });

  it("takes part in the caller's transaction: a rollback undoes it", async () => {
    await db.dataSource
      .transaction(async (manager) => {
        await sql.affected(manager, `INSERT INTO ${sql.schema}.items VALUES (3, 'kettle')`);
        throw new Error('roll back');
      })
      .catch(() => undefined);

    expect(
      await sql.first(db.dataSource.manager, `SELECT id FROM ${sql.schema}.items WHERE id = 3`),
    ).toBeUndefined();
  });

  it('refuses a schema name it cannot quote safely', () => {
    expect(() => new RepositorySql('shop"; DROP TABLE x; --')).toThrow(/not a valid schema name/);
  });
});
