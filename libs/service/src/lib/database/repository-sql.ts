import { queryPrepared, quoteIdent, type StatementOptions } from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';

/**
 * A whole number written into a statement's text, where a parameter would give Postgres a plan
 * that does not know it (a claim's LIMIT); anything else is refused, so nothing but digits
 * reaches the SQL.
 */
export function integerLiteral(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`not a whole number for SQL: ${n}`);
  return String(n);
}

/**
 * The one way repositories run hand-written SQL in their service's schema: the schema quoted
 * once (`${sql.schema}.deliveries`), one result shape whatever the statement, and every
 * statement prepared (`queryPrepared`: planned once per connection, not at every call), but for
 * batch lookups, planned for their values (`planForValues`). Pass
 * the transaction's EntityManager to take part in it, or the DataSource's manager to run on its
 * own.
 */
export class RepositorySql {
  /** The quoted schema, for statements: `${this.sql.schema}.orders`. */
  readonly schema: string;

  /** `schemaName` is the service's schema as configured (DB_SCHEMA), unquoted. */
  constructor(readonly schemaName: string) {
    this.schema = quoteIdent(schemaName);
  }

  /** The rows a statement returns (a SELECT, or any statement with RETURNING). */
  async rows<T>(
    db: EntityManager,
    text: string,
    params: readonly unknown[] = [],
    options: StatementOptions = {},
  ): Promise<T[]> {
    return (await queryPrepared<T>(db, text, params, options)).rows;
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
    options: StatementOptions = {},
  ): Promise<number> {
    return (await queryPrepared(db, text, params, options)).rowCount;
  }
}
