import { type DynamicModule, Module } from '@nestjs/common';
import { commonEnv, loadConfig, ServiceCoreModule } from '@switchyard/service';
import { adminDatabaseUrl } from '@switchyard/testing';
import { Client } from 'pg';
import { startInProcessService } from './in-process-service';

@Module({})
class BareServiceModule {
  static forRoot(env: Record<string, string>): DynamicModule {
    const config = loadConfig(commonEnv({ port: 0, schema: 'bare', clientId: 'bare' }), env);
    return {
      module: BareServiceModule,
      imports: [ServiceCoreModule.forRoot({ name: 'bare', config, migrations: [] })],
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
});
