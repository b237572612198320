import { Client, type ClientConfig, Query } from 'pg';

/** The statement TypeORM opens every transaction with (`PostgresQueryRunner.startTransaction`). */
const BEGIN = 'START TRANSACTION';
const ENDS = new Set(['COMMIT', 'ROLLBACK']);

/** What node-postgres answers for a statement: the parts of its `Result` callers read. */
interface PgResult {
  readonly command: string;
  readonly rowCount: number | null;
  readonly rows: unknown[];
  readonly fields: unknown[];
}

type Callback = (err: Error | null, result?: unknown) => void;

/** The protocol writer a query's `submit` is given (node-postgres' `Connection`). */
interface PgConnection {
  readonly parsedStatements: Record<string, string | undefined>;
  parse(message: { text: string; name: string; types: unknown[] }): void;
  bind(message: { portal: string; statement: string; values: unknown[] }): void;
  execute(message: { portal: string; rows: number }): void;
}

/** node-postgres' `Query` as this file extends it: what the type definitions leave out. */
interface PgQueryInternals {
  readonly name?: string;
  readonly text?: string;
  callback?: Callback;
  prepare(connection: PgConnection): void;
  requiresPreparation(): boolean;
}

type QueryConfigLike = { text?: string; name?: string; values?: unknown[]; submit?: unknown };

/**
 * A node-postgres client that sends a transaction's `START TRANSACTION` with its first statement,
 * in one round trip, as pgjdbc does for every transaction: the BEGIN waits on the client until
 * that statement goes, and both go in one write, under one Sync (extended protocol) or as one
 * query string (simple protocol). A round trip is a wake-up of Postgres and of the service each;
 * at 50 events a second every transaction paid one for its BEGIN alone.
 *
 * Nothing else changes. Postgres answers the BEGIN before it runs the statement, and an error
 * skips the rest up to the Sync, so the statement runs inside the transaction or not at all; a
 * statement that fails leaves the transaction aborted, as it would have after a separate BEGIN,
 * for the caller's ROLLBACK. A transaction that ends before any statement ran sends nothing.
 * Until its first statement the transaction has not started on the server: `now()` is that
 * statement's start, and no snapshot or lock is taken before it (none was taken by BEGIN either).
 *
 * Used by TypeORM through `extra.Client` (pg-pool makes its connections with it).
 */
export class LazyBeginClient extends Client {
  /** A BEGIN asked for and not yet sent: it goes with the next statement. */
  private beginWaits = false;

  constructor(config?: string | ClientConfig) {
    super(config);
    // Typed as node-postgres' many overloads; one implementation answers them all.
    (this as unknown as { query: (...args: unknown[]) => unknown }).query = (
      config: unknown,
      values?: unknown,
      callback?: unknown,
    ) => this.queryLazily(config, values, callback);
  }

  /** node-postgres' own `query`, which queues and sends as usual. */
  private send(config: unknown, values?: unknown, callback?: unknown): unknown {
    const query = Client.prototype.query as (...args: unknown[]) => unknown;
    return query.call(this, config, values, callback);
  }

  private queryLazily(config: unknown, values: unknown, callback: unknown): unknown {
    const query = config as QueryConfigLike | string;
    const text = typeof query === 'string' ? query : query?.text;
    const plain = typeof callback !== 'function' && typeof values !== 'function';
    const noValues = values === undefined || (Array.isArray(values) && values.length === 0);
    if (!this.beginWaits) {
      if (text === BEGIN && plain && noValues && typeof query === 'string') {
        this.beginWaits = true;
        return Promise.resolve(emptyResult('BEGIN'));
      }
      return this.send(config, values, callback);
    }
    this.beginWaits = false;
    if (plain && noValues && typeof text === 'string' && ENDS.has(text)) {
      // A transaction that ran nothing: there is nothing to end on the server.
      return Promise.resolve(emptyResult(text));
    }
    if (typeof query !== 'string' && typeof query?.submit === 'function') {
      // node-postgres answers a query object with itself, at once: there is no waiting for the
      // BEGIN first, and sending it behind an unanswered BEGIN could run it outside the
      // transaction. Nothing here opens a transaction with a cursor or a stream.
      throw new Error(
        'LazyBeginClient cannot open a transaction with a query object (a cursor or a stream): run a statement in the transaction first',
      );
    }
    const opening = plain ? this.openingQuery(query, values) : null;
    return opening ?? this.sendBeginFirst(config, values, callback);
  }

  /**
   * The statement with the BEGIN before it, as one query, answering the statement's result; null
   * when it cannot go so: a named statement this connection has not parsed yet (node-postgres
   * records a name as parsed at the first ParseComplete, which would be the BEGIN's).
   */
  private openingQuery(query: QueryConfigLike | string, values: unknown): Promise<unknown> | null {
    const pgQuery = new Query(query as never, values as never) as unknown as PgQueryInternals;
    if (!pgQuery.requiresPreparation()) {
      // Simple protocol: one query string, answered with a result per statement in it.
      const config = typeof query === 'string' ? { text: query } : query;
      const both = new Query({ ...config, text: `${BEGIN}; ${pgQuery.text ?? ''}` } as never);
      return this.run(both as unknown as PgQueryInternals).then((r) => afterBegin(r, true));
    }
    const parsed = this.connectionOf().parsedStatements;
    if (pgQuery.name && parsed[pgQuery.name] === undefined) return null;
    const prepare = pgQuery.prepare.bind(pgQuery);
    pgQuery.prepare = (connection: PgConnection) => {
      // The BEGIN as the unnamed statement and portal; the statement's own Parse (or its Bind,
      // when parsed before) follows, then the Sync that `prepare` ends with.
      connection.parse({ text: BEGIN, name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.execute({ portal: '', rows: 0 });
      prepare(connection);
    };
    return this.run(pgQuery).then((results) => afterBegin(results, false));
  }

  /** The BEGIN on its own, answered before the statement goes (what happens without this class). */
  private async sendBeginFirst(
    config: unknown,
    values: unknown,
    callback: unknown,
  ): Promise<unknown> {
    await (this.send(BEGIN) as Promise<unknown>);
    return this.send(config, values, callback);
  }

  /** Submits a query object and answers its results (node-postgres answers the object itself). */
  private run(query: PgQueryInternals): Promise<unknown> {
    return new Promise((resolve, reject) => {
      query.callback = (err, results) => (err ? reject(err) : resolve(results));
      this.send(query);
    });
  }

  private connectionOf(): PgConnection {
    return (this as unknown as { connection: PgConnection }).connection;
  }
}

/** The statement's result(s) out of a query that ran a BEGIN first. */
function afterBegin(results: unknown, simple: boolean): unknown {
  if (!Array.isArray(results)) return emptyResult('');
  const rest = results.slice(1);
  if (simple && rest.length > 1) return rest;
  return rest[0] ?? emptyResult('');
}

function emptyResult(command: string): PgResult {
  return { command, rowCount: null, rows: [], fields: [] };
}
