import { quoteIdent } from '@switchyard/messaging';
import { type EntityManager, type QueryResult } from 'typeorm';

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

  /** How many rows an INSERT, UPDATE or DELETE touched. */
  async affected(
    db: EntityManager,
    text: string,
    params: readonly unknown[] = [],
  ): Promise<number> {
    return (await structured(db, text, params)).affected ?? 0;
  }
}

async function structured(
  db: EntityManager,
  text: string,
  params: readonly unknown[],
): Promise<QueryResult> {
  if (db.queryRunner && !db.queryRunner.isReleased) {
    return db.queryRunner.query(text, [...params], true);
  }
  const runner = db.connection.createQueryRunner();
  try {
    return await runner.query(text, [...params], true);
  } finally {
    await runner.release();
  }
}
