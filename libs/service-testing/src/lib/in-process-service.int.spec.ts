import { type DynamicModule, Module } from '@nestjs/common';
import { inboxTableDdl, outboxTableDdl } from '@switchyard/messaging';
import {
  commonEnv,
  loadConfig,
  messagingPartitionedTables,
  migrationSchema,
  ServiceCoreModule,
} from '@switchyard/service';
import { adminDatabaseUrl, createTestDatabase, uniqueKafkaPrefix } from '@switchyard/testing';
import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { startInProcessService } from './in-process-service';

class CreateThings1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    // Not idempotent on purpose: run twice at once, it fails.
    await queryRunner.query(`CREATE TABLE "${schema}".things (id int PRIMARY KEY)`);
    for (const ddl of [...outboxTableDdl(schema), ...inboxTableDdl(schema)])
      await queryRunner.query(ddl);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE "${schema}".inbox, "${schema}".outbox, "${schema}".things`);
  }
}

@Module({})
class BareServiceModule {
  static forRoot(env: Record<string, string>): DynamicModule {
    const config = loadConfig(commonEnv({ port: 0, schema: 'bare', clientId: 'bare' }), env);
    return {
      module: BareServiceModule,
      imports: [
        ServiceCoreModule.forRoot({
          name: 'bare',
          config,
          migrations: [CreateThings1700000000000],
          partitionedTables: messagingPartitionedTables,
        }),
      ],
    };
  }
}

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return (
      (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1
    );
  } finally {
    await client.end();
  }
}

describe('a service started in the test process', () => {
  it('listens on a random loopback port with its own database, and drops it on close', async () => {
    const service = await startInProcessService('bare', (env) => BareServiceModule.forRoot(env));

    const live = await fetch(`${service.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await databaseExists(service.database.name)).toBe(true);

    await service.close();
    expect(await databaseExists(service.database.name)).toBe(false);
  });

  it('migrates once when two instances start at the same moment on a fresh database', async () => {
    const database = await createTestDatabase('twins');
    const shared = { database, kafkaPrefix: uniqueKafkaPrefix('twins') };
    try {
      const instances = await Promise.all(
        [1, 2].map(() =>
          startInProcessService('twins', (env) => BareServiceModule.forRoot(env), {}, shared),
        ),
      );
      const [{ n }] = await instances[0]!.dataSource.query(
        'SELECT count(*)::int AS n FROM bare.migrations',
      );
      expect(n).toBe(1);
      await Promise.all(instances.map((i) => i.close()));
    } finally {
      await database.drop();
    }
  });
});
