import { DataSource, type DataSourceOptions } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestDataSource {
  readonly dataSource: DataSource;
  readonly database: TestDatabase;
  readonly schema: string;
  close(): Promise<void>;
}

/** A fresh database with one schema, its tables made by `ddl`, and a TypeORM DataSource on it. */
export async function createTestDataSource(
  label: string,
  schema: string,
  ddl: string[],
  /** TypeORM subscribers, as the services' data sources have (`CommitHooksSubscriber`). */
  subscribers: DataSourceOptions['subscribers'] = [],
  /** More of the pool's options (node-postgres' `Pool`), as the services' `extra.Client`. */
  poolOptions: Record<string, unknown> = {},
): Promise<TestDataSource> {
  const database = await createTestDatabase(label);
  const dataSource = new DataSource({
    type: 'postgres',
    url: database.url,
    schema,
    subscribers,
    extra: { max: 10, ...poolOptions },
  });
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA "${schema}"`);
  for (const statement of ddl) await dataSource.query(statement);
  return {
    dataSource,
    database,
    schema,
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
