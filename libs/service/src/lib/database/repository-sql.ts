import { quoteIdent } from '@switchyard/messaging';
import { createHash } from 'node:crypto';
import { type EntityManager, type QueryResult, type QueryRunner } from 'typeorm';

/**
 * A whole number written into a statement's text (for `plannedOnce`); anything else is refused,
 * so nothing but digits reaches the SQL.
 */
export function integerLiteral(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a whole number for SQL: ${n}`);
  return String(n);
}

/** The part of a pg client a prepared statement needs. */
interface PgClient {
  query<T>(config: { name: string; text: string }): Promise<{ rows: T[] }>;
}

/**
 * The one way repositories run hand-written SQL in their service's schema: the schema quoted
 * once (`${sql.schema}.deliveries`), and one result shape whatever the statement (TypeORM answers
 * SELECT and UPDATE … RETURNING differently). Pass the transaction's EntityManager to take part
 * in it, or the DataSource's manager to run on its own.
 */
export class RepositorySql {
  /** The quoted schema, for statements: `${this.sql.schema}.orders`. */
  readonly schema: string;

  /** `schemaName` is the service's schema as configured (DB_SCHEMA), unquoted. */
  constructor(readonly schemaName: string) {
    this.schema = quoteIdent(schemaName);
  }

  /** The rows a statement returns (a SELECT, or any statement with RETURNING). */
  async rows<T>(db: EntityManager, text: string, params: readonly unknown[] = []): Promise<T[]> {
    return ((await structured(db, text, params)).records ?? []) as T[];
  }

  /** The first row a statement returns, if any. */
  async first<T>(
    db: EntityManager,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<T | undefined> {
    return (await this.rows<T>(db, text, params))[0];
  }

  /**
   * The rows of a hot statement that takes no parameters, run as a named prepared statement:
   * Postgres plans it once per connection instead of at every call. A statement over a
   * partitioned table is planned partition by partition (a month of days is 30 and more), which
   * for a claim costs several times what running it does. Without parameters the plan is the
   * one a call with values would get, so values go into the text, checked by the caller, and
   * each distinct text is a statement of its own.
   */
  async plannedOnce<T>(db: EntityManager, text: string): Promise<T[]> {
    const name = `sy_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    return withRunner(db, async (runner) => {
      const client = (await runner.connect()) as PgClient;
      return (await client.query<T>({ name, text })).rows;
    });
  }

  /** How many rows an INSERT, UPDATE or DELETE touched. */
  async affected(
    db: EntityManager,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<number> {
    return (await structured(db, text, params)).affected ?? 0;
  }
}

function structured(
  db: EntityManager,
  text: string,
  params: readonly unknown[],
): Promise<QueryResult> {
  return withRunner(db, (runner) => runner.query(text, [...params], true));
}

/** The transaction's query runner, or one of the pool's for this call alone. */
async function withRunner<T>(
  db: EntityManager,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  if (db.queryRunner && !db.queryRunner.isReleased) return work(db.queryRunner);
  const runner = db.connection.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}
