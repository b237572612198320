import { createHash } from 'node:crypto';
import {
  type EntityManager,
  QueryFailedError,
  type QueryRunner,
  QueryRunnerAlreadyReleasedError,
} from 'typeorm';

/** What a statement answers: its rows (SELECT, or RETURNING) and how many rows it touched. */
export interface PreparedResult<T> {
  readonly rows: T[];
  readonly rowCount: number;
}

/** The part of a pg client (node-postgres) a named statement needs. */
interface PgClient {
  query<T>(config: {
    name?: string;
    text: string;
    values: unknown[];
  }): Promise<{ rows: T[]; rowCount: number | null }>;
}

/** How a statement is planned. */
export interface StatementOptions {
  /**
   * Plans the statement for each call's values (Postgres' unnamed statement, a custom plan)
   * instead of reusing the connection's plan: for a statement that looks rows up by a batch of
   * keys (`= ANY($1)`, a join to `unnest`). Planned for its values, Postgres sizes the tables as
   * they are now, for the batch's true length, and reads only the partitions the keys fall in.
   * A reused (generic) plan assumes ten keys, covers every partition and keeps the sizes seen
   * when it was made: made while a table or the week's partition was new and nearly empty, it
   * read all of it for every batch once it had filled, until an ANALYZE replaced it (7-24 ms a
   * batch over 7,000-15,000 rows at 1,000 events/s in the end-to-end benchmark; Postgres keeps
   * such a plan once the plans made for values have cost more on average). Planning costs a
   * fraction of a millisecond per call, shared by the batch. An unnamed statement is still a
   * cached plan to Postgres: a role or database set to `plan_cache_mode = force_generic_plan`
   * undoes this.
   */
  readonly planForValues?: boolean;
}

/** Names already worked out: statement texts are a small, fixed set (see `queryPrepared`). */
const names = new Map<string, string>();

/** The name a statement's text is prepared under: the same text, the same name. */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `sy_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named prepared statement on the connection of `db` (the transaction's,
 * or one of the pool's for this call alone). Postgres then plans it once per connection and
 * reuses the plan (after five calls, when the generic plan costs no more than one planned for
 * the values). Every hot table here is partitioned by week, and a statement over one is planned
 * partition by partition: measured, planning cost more than running for most of the event
 * path's statements. Statement texts must be a bounded set (values go in parameters, or into
 * the text only from a small set), since each distinct text stays prepared on its connection.
 * A batch's lookups are the exception: `planForValues`.
 */
export async function queryPrepared<T>(
  db: EntityManager,
  text: string,
  params: readonly unknown[] = [],
  options: StatementOptions = {},
): Promise<PreparedResult<T>> {
  return withRunner(db, async (runner) => {
    const client = (await runner.connect()) as PgClient;
    const values = [...params];
    try {
      const result = await client.query<T>(
        options.planForValues ? { text, values } : { name: statementName(text), text, values },
      );
      return { rows: result.rows ?? [], rowCount: result.rowCount ?? 0 };
    } catch (err) {
      // The error family the rest of the code sees from TypeORM, whichever way a statement ran.
      throw new QueryFailedError(text, values, err as Error);
    }
  });
}

/**
 * The manager's own query runner (its transaction's), or one of the pool's for this call alone
 * when it has none. A released runner fails the call, as TypeORM's own queries do: the
 * transaction it held is over, and running its remaining statements elsewhere, one commit each,
 * would commit half of it.
 */
async function withRunner<T>(
  db: EntityManager,
  work: (runner: QueryRunner) => Promise<T>,
): Promise<T> {
  if (db.queryRunner) {
    if (db.queryRunner.isReleased) throw new QueryRunnerAlreadyReleasedError();
    return work(db.queryRunner);
  }
  const runner = db.connection.createQueryRunner();
  try {
    return await work(runner);
  } finally {
    await runner.release();
  }
}
