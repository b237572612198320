import { quoteIdent } from '@switchyard/messaging';
import {
  type DayPartition,
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
): Promise<ExistingPartition[]> {
  const rows = (await q.query(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT' AS is_default
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = to_regclass($1)`,
    [`${quoteIdent(schema)}.${quoteIdent(table)}`],
  )) as { name: string; is_default: boolean }[];
  return rows.map((r) => ({ name: r.name, isDefault: r.is_default }));
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
 * Creates one day's partition and attaches it; the caller holds a transaction. Rows of that day
 * waiting in the default partition move into it first (Postgres refuses the attach otherwise).
 * The partition is made apart and attached, which locks the parent far less than CREATE TABLE
 * … PARTITION OF; the default partition is locked first, so no row of the day can enter it
 * between the move and the attach. Returns how many rows moved.
 */
export async function createDayPartition(
  q: Queryable,
  schema: string,
  table: PartitionedTable,
  partition: DayPartition,
  defaultPartition: string | undefined,
): Promise<number> {
  const s = quoteIdent(schema);
  const parent = `${s}.${quoteIdent(table.table)}`;
  const child = `${s}.${quoteIdent(partition.name)}`;
  if (defaultPartition) {
    await q.query(`LOCK TABLE ${s}.${quoteIdent(defaultPartition)} IN ACCESS EXCLUSIVE MODE`);
  }
  await q.query(`CREATE TABLE ${child} (LIKE ${parent} INCLUDING ALL)`);
  let moved = 0;
  if (defaultPartition) {
    const columns = (await columnsOf(q, schema, table.table)).map(quoteIdent).join(', ');
    const type = keyType(table.kind);
    const key = quoteIdent(table.key);
    const [row] = (await q.query(
      `WITH moved AS (
         DELETE FROM ${s}.${quoteIdent(defaultPartition)}
         WHERE ${key} >= $1::${type} AND ${key} < $2::${type} RETURNING ${columns}),
       copied AS (INSERT INTO ${child} (${columns}) SELECT ${columns} FROM moved RETURNING 1)
       SELECT count(*)::int AS n FROM copied`,
      [partition.from, partition.to],
    )) as { n: number }[];
    moved = row?.n ?? 0;
  }
  await q.query(
    `ALTER TABLE ${parent} ATTACH PARTITION ${child}
     FOR VALUES FROM (${boundLiteral(table.kind, partition.from)}) TO (${boundLiteral(table.kind, partition.to)})`,
  );
  return moved;
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
