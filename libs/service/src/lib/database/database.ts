import { Client } from 'pg';
import { type DataSourceOptions, type MigrationInterface } from 'typeorm';
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
    migrations: [...migrations],
    migrationsTableName: 'migrations',
    migrationsRun: true,
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: { max: 10, connectionTimeoutMillis: 5000 },
  };
}

/** The migrations table needs its schema before the first migration can run. */
export async function ensureSchema(connectionString: string, schema: string): Promise<void> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/** The schema a migration runs in: the service's configured one. */
export function migrationSchema(queryRunner: {
  connection: { options: DataSourceOptions };
}): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  if (!schema) throw new Error('The data source has no schema; set DB_SCHEMA');
  return schema;
}
