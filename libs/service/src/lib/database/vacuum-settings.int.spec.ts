import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { readVacuumSettings } from './vacuum-settings';

describe('readVacuumSettings (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('vacuum_settings', 'shop', []);
  });

  afterAll(() => db?.close());

  async function shown(name: string): Promise<boolean> {
    const [row] = (await db.dataSource.query(`SHOW ${name}`)) as Record<string, string>[];
    return row?.[name] === 'on';
  }

  it("reads the server's autovacuum and track_counts as SHOW gives them", async () => {
    expect(await readVacuumSettings(db.dataSource)).toEqual({
      autovacuum: await shown('autovacuum'),
      trackCounts: await shown('track_counts'),
    });
  });

  it('reads the settings as the session sees them: track_counts off there means no autovacuum', async () => {
    await db.dataSource.transaction(async (manager) => {
      await manager.query('SET LOCAL track_counts = off');

      expect((await readVacuumSettings(manager)).trackCounts).toBe(false);
    });
  });
});
