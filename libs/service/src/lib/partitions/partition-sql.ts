import { quoteIdent } from '@switchyard/messaging';
import {
  type DayPartition,
  dayOfBound,
  type DayRange,
  type PartitionedTable,
  type PartitionKeyKind,
} from './partition-bounds';

/** What these statements need of a connection: a TypeORM QueryRunner or EntityManager. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

export interface ExistingPartition {
  readonly name: string;
  readonly isDefault: boolean;
  /**
   * The whole days it holds rows of, from its bounds in the catalog (days it holds only part of
   * count as held); undefined for the default partition or bounds that are not of the key's kind.
   */
  readonly days?: DayRange;
}

const keyType = (kind: PartitionKeyKind) => (kind === 'uuidv7' ? 'uuid' : 'bigint');

/** A bound inside DDL, where parameters are not allowed; the text comes from dayBound. */
function boundLiteral(kind: PartitionKeyKind, bound: string): string {
  if (kind === 'uuidv7' && /^[0-9a-f]{8}-[0-9a-f]{4}-0000-0000-000000000000$/.test(bound)) {
    return `'${bound}'`;
  }
  if (kind === 'epoch_seconds' && /^-?\d+$/.test(bound)) return bound;
  throw new Error(`"${bound}" is not a ${kind} day bound`);
}

/** The SQL day number (days since 1970-01-01 UTC) of a key column. */
export function keyDayExpression(kind: PartitionKeyKind, column: string): string {
  const c = quoteIdent(column);
  return kind === 'uuidv7'
    ? `floor(('x' || substr(replace(${c}::text, '-', ''), 1, 12))::bit(48)::bigint / 86400000.0)::int`
    : `floor(${c} / 86400.0)::int`;
}

export async function listPartitions(
  q: Queryable,
  schema: string,
  table: string,
  kind?: PartitionKeyKind,
): Promise<ExistingPartition[]> {
  const rows = (await q.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [`${quoteIdent(schema)}.${quoteIdent(table)}`],
  )) as { name: string; bound: string }[];
  return rows.map((r) => {
    const isDefault = r.bound === 'DEFAULT';
    const days = !isDefault && kind ? daysOfBound(kind, r.bound) : undefined;
    return { name: r.name, isDefault, ...(days ? { days } : {}) };
  });
}

/** The days a range partition's bound (`FOR VALUES FROM (…) TO (…)`) holds, if it is ours to read. */
export function daysOfBound(kind: PartitionKeyKind, bound: string): DayRange | undefined {
  const match = /^FOR VALUES FROM \((.+)\) TO \((.+)\)$/.exec(bound);
  if (!match) return undefined;
  const edge = (literal: string) => {
    const text = literal.replace(/^'(.*)'(::\w+)?$/, '$1');
    if (text === 'MINVALUE') return -Infinity;
    if (text === 'MAXVALUE') return Infinity;
    return dayOfBound(kind, text);
  };
  const from = edge(match[1] as string);
  const to = edge(match[2] as string);
  if (Number.isNaN(from) || Number.isNaN(to)) return undefined;
  return { from: Math.floor(from), to: Math.ceil(to) };
}

export async function columnsOf(q: Queryable, schema: string, table: string): Promise<string[]> {
  const rows = (await q.query(
    `SELECT attname FROM pg_attribute
     WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [`${quoteIdent(schema)}.${quoteIdent(table)}`],
  )) as { attname: string }[];
  return rows.map((r) => r.attname);
}

/**
 * Creates partitions of whole days and attaches them; the caller holds a transaction. Rows of those days
 * waiting in the default partition move into them first (Postgres refuses the attach otherwise);
 * the default partition is locked before anything, so no row of those days can enter it between
 * the move and the attach. Each partition is made apart and attached, which locks the parent
 * less than CREATE TABLE … PARTITION OF. Returns how many rows moved.
 */
export async function createDayPartitions(
  q: Queryable,
  schema: string,
  table: PartitionedTable,
  partitions: readonly DayPartition[],
  defaultPartition: string | undefined,
): Promise<number> {
  if (partitions.length === 0) return 0;
  const s = quoteIdent(schema);
  const parent = `${s}.${quoteIdent(table.table)}`;
  const key = quoteIdent(table.key);
  const waiting = new Map<number, number>();
  if (defaultPartition) {
    const fallback = `${s}.${quoteIdent(defaultPartition)}`;
    await q.query(`LOCK TABLE ${fallback} IN ACCESS EXCLUSIVE MODE`);
    const type = keyType(table.kind);
    const rows = (await q.query(
      `SELECT ${keyDayExpression(table.kind, table.key)} AS day, count(*)::int AS n FROM ${fallback}
       WHERE ${key} >= $1::${type} AND ${key} < $2::${type} GROUP BY 1`,
      [partitions[0]?.from, partitions.at(-1)?.to],
    )) as { day: number; n: number }[];
    for (const row of rows) waiting.set(row.day, row.n);
  }
  /** Rows of the partition's days waiting in the default partition. */
  const waitingIn = (p: DayPartition) =>
    [...waiting].reduce((n, [day, rows]) => (day >= p.day && day < p.endDay ? n + rows : n), 0);
  const columns =
    waiting.size > 0 ? (await columnsOf(q, schema, table.table)).map(quoteIdent).join(', ') : '';
  const statements = partitions.flatMap((partition) => {
    const child = `${s}.${quoteIdent(partition.name)}`;
    const from = boundLiteral(table.kind, partition.from);
    const to = boundLiteral(table.kind, partition.to);
    const move =
      defaultPartition && waitingIn(partition) > 0
        ? [
            `WITH moved AS (
               DELETE FROM ${s}.${quoteIdent(defaultPartition)} WHERE ${key} >= ${from} AND ${key} < ${to}
               RETURNING ${columns})
             INSERT INTO ${child} (${columns}) SELECT ${columns} FROM moved`,
          ]
        : [];
    return [
      `CREATE TABLE ${child} (LIKE ${parent} INCLUDING ALL)${storageOf(table)}`,
      ...move,
      `ALTER TABLE ${parent} ATTACH PARTITION ${child} FOR VALUES FROM (${from}) TO (${to})`,
    ];
  });
  // One round trip for all of them: a first run makes a month of partitions for every table.
  await q.query(statements.join(';\n'));
  return partitions.reduce((moved, p) => moved + waitingIn(p), 0);
}

/** A new partition's storage parameters: LIKE … INCLUDING ALL copies none of them. */
function storageOf(table: PartitionedTable): string {
  if (table.fillfactor === undefined) return '';
  if (!Number.isInteger(table.fillfactor) || table.fillfactor < 10 || table.fillfactor > 100) {
    throw new Error(`${table.table}: fillfactor must be an integer from 10 to 100`);
  }
  return ` WITH (fillfactor = ${table.fillfactor})`;
}

/** Whether a partition holds rows that must outlive the retention (see PartitionedTable.keepWhile). */
export async function holdsRowsToKeep(
  q: Queryable,
  schema: string,
  table: PartitionedTable,
  partition: string,
): Promise<boolean> {
  if (!table.keepWhile) return false;
  const rows = (await q.query(
    `SELECT 1 FROM ${quoteIdent(schema)}.${quoteIdent(partition)} WHERE ${table.keepWhile} LIMIT 1`,
  )) as unknown[];
  return rows.length > 0;
}

/** Locks the whole table first, so the check of rows to keep and the drop see the same rows. */
export async function lockForDrop(
  q: Queryable,
  schema: string,
  table: PartitionedTable,
): Promise<void> {
  await q.query(
    `LOCK TABLE ${quoteIdent(schema)}.${quoteIdent(table.table)} IN ACCESS EXCLUSIVE MODE`,
  );
}

export async function dropPartition(
  q: Queryable,
  schema: string,
  partition: string,
): Promise<void> {
  await q.query(`DROP TABLE ${quoteIdent(schema)}.${quoteIdent(partition)}`);
}

/** Deletes default-partition rows keyed before `bound` (the oldest kept day); returns the count. */
export async function purgeDefaultBefore(
  q: Queryable,
  schema: string,
  table: PartitionedTable,
  defaultPartition: string,
  bound: string,
): Promise<number> {
  const keep = table.keepWhile ? `AND NOT (${table.keepWhile})` : '';
  const result = (await q.query(
    `DELETE FROM ${quoteIdent(schema)}.${quoteIdent(defaultPartition)}
     WHERE ${quoteIdent(table.key)} < $1::${keyType(table.kind)} ${keep}`,
    [bound],
  )) as [unknown[], number] | unknown[];
  return typeof result[1] === 'number' ? result[1] : 0;
}
