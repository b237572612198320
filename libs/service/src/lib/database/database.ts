import { CommitHooksSubscriber, LazyBeginClient, quoteIdent } from '@switchyard/messaging';
import { type DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { type CommonEnv } from '../config/common-env';

type MigrationClass = new () => MigrationInterface;

/**
 * A service's TypeORM options: its own schema, migrations run at start, never `synchronize`.
 * The migrations table lives in the service's schema, so services migrate independently.
 */
export function dataSourceOptions(
  config: Pick<CommonEnv, 'DATABASE_URL' | 'DB_SCHEMA'>,
  migrations: readonly MigrationClass[],
  entities: readonly (new () => unknown)[] = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    schema: config.DB_SCHEMA,
    entities: [...entities],
    subscribers: [CommitHooksSubscriber],
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    // Run by migrateUnderLock, not by TypeORM at initialise: instances starting together must not race.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Connections stay open while idle (pg-pool closes them after 10 s by default): every
    // statement is prepared and planned per connection (decision 0009), and a connection opened
    // again after a quiet spell planned them all again, the partitioned ones at up to 25 ms each
    // (measured at 50 events/s: 14 connections reopened in a minute). A broken one still leaves.
    // A transaction's BEGIN goes with its first statement, one round trip for both (`LazyBeginClient`).
    extra: {
      max: 10,
      connectionTimeoutMillis: 5000,
      idleTimeoutMillis: 0,
      Client: LazyBeginClient,
    },
  };
}

/** The schema a migration runs in: the service's configured one. */
export function migrationSchema(queryRunner: {
  connection: { options: DataSourceOptions };
}): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('The data source has no schema; set DB_SCHEMA');
  return schema;
}

/**
 * Initialises the data source, then creates the schema and runs pending migrations while holding
 * a Postgres advisory lock per schema, so several instances starting at once migrate one after the other; the
 * later ones find nothing left to do.
 */
export async function migrateUnderLock(
  dataSource: DataSource,
  schema: string,
): Promise<DataSource> {
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  const key = `switchyard.migrations.${schema}`;
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
    // The migrations table lives in the schema, so the schema comes first (under the lock too:
    // CREATE SCHEMA IF NOT EXISTS itself races).
    await runner.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
    await runner.release();
  }
  return dataSource;
}
