import { quoteIdent } from '@switchyard/messaging';
import { type QueryRunner } from 'typeorm';
import { migrationSchema } from '../database/database';
import { DAYS_AHEAD, dayOf, dayPartition, type PartitionedTable } from './partition-bounds';
import { columnsOf, createDayPartitions, keyDayExpression, listPartitions } from './partition-sql';

export interface PartitionConversion {
  readonly table: PartitionedTable;
  /** Creates the partitioned table under its own name, with its indexes and default partition. */
  readonly ddl: readonly string[];
  /**
   * The rows to copy: a SELECT naming every column of the new table, over the old one (passed
   * in, quoted) and tables converted before. All columns of the old table when left out.
   */
  readonly source?: (oldTable: string) => string;
}

/**
 * Turns a plain table into its partitioned shape in a migration's transaction, keeping its rows:
 * the old table steps aside (with its indexes and sequences, whose names the new one takes), the
 * partitioned one is made, each day that holds rows gets its partition, rows are copied,
 * sequences carry on where they were, and the old table goes. Rows keyed after the days ahead
 * (not time-ordered ids) stay in the default partition.
 */
export async function convertToPartitioned(
  queryRunner: QueryRunner,
  conversion: PartitionConversion,
): Promise<void> {
  const schema = migrationSchema(queryRunner);
  const s = quoteIdent(schema);
  const { table } = conversion;
  const asideName = `${table.table}_unpartitioned`;
  const aside = `${s}.${quoteIdent(asideName)}`;
  const sequences = await stepAside(queryRunner, schema, table.table, asideName);

  for (const statement of conversion.ddl) await queryRunner.query(statement);

  const source = conversion.source?.(aside) ?? `SELECT * FROM ${aside}`;
  const lastDay = dayOf(Date.now()) + DAYS_AHEAD;
  const days = (await queryRunner.query(
    `SELECT DISTINCT ${keyDayExpression(table.kind, table.key)} AS day FROM (${source}) AS src`,
  )) as { day: number }[];
  const defaultPartition = (await listPartitions(queryRunner, schema, table.table)).find(
    (p) => p.isDefault,
  )?.name;
  await createDayPartitions(
    queryRunner,
    schema,
    table,
    days
      .map(({ day }) => day)
      .filter((day) => day <= lastDay)
      .sort((a, b) => a - b)
      .map((day) => dayPartition(table, day)),
    defaultPartition,
  );

  const columns = (await columnsOf(queryRunner, schema, table.table)).map(quoteIdent).join(', ');
  await queryRunner.query(
    `INSERT INTO ${s}.${quoteIdent(table.table)} (${columns}) SELECT ${columns} FROM (${source}) AS src`,
  );
  for (const sequence of sequences) {
    await queryRunner.query(
      `SELECT setval($1::regclass, last_value, is_called) FROM ${s}.${quoteIdent(sequence.aside)}`,
      [`${s}.${quoteIdent(sequence.name)}`],
    );
  }
  await queryRunner.query(`DROP TABLE ${aside}`);
}

/**
 * Renames the table, its indexes (constraints follow their index) and the sequences it owns,
 * so the partitioned table can be made under the same names. Returns the sequences.
 */
async function stepAside(
  queryRunner: QueryRunner,
  schema: string,
  table: string,
  asideName: string,
): Promise<{ name: string; aside: string }[]> {
  const s = quoteIdent(schema);
  await queryRunner.query(
    `ALTER TABLE ${s}.${quoteIdent(table)} RENAME TO ${quoteIdent(asideName)}`,
  );
  const relation = `${s}.${quoteIdent(asideName)}`;
  const indexes = (await queryRunner.query(
    `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = to_regclass($1) ORDER BY c.relname`,
    [relation],
  )) as { name: string }[];
  for (const [n, index] of indexes.entries()) {
    await queryRunner.query(
      `ALTER INDEX ${s}.${quoteIdent(index.name)} RENAME TO ${quoteIdent(`${asideName}_${n}`)}`,
    );
  }
  const owned = (await queryRunner.query(
    `SELECT c.relname AS name FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
     WHERE d.classid = 'pg_class'::regclass AND d.refobjid = to_regclass($1)
       AND c.relkind = 'S' AND d.deptype IN ('a', 'i')`,
    [relation],
  )) as { name: string }[];
  const sequences = owned.map((o) => ({ name: o.name, aside: `${asideName}_${o.name}` }));
  for (const sequence of sequences) {
    await queryRunner.query(
      `ALTER SEQUENCE ${s}.${quoteIdent(sequence.name)} RENAME TO ${quoteIdent(sequence.aside)}`,
    );
  }
  return sequences;
}
