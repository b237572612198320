import {
  dataSourceOptions,
  migrateUnderLock,
  PartitionMaintainer,
  type PartitionedTable,
} from '@switchyard/service';
import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { DataSource, type MigrationInterface } from 'typeorm';
import { notificationsMigrations } from './notifications-migrations';
import { DeliveriesRoomForLeases1765600000000 } from './1765600000000-deliveries-room-for-leases';

const BEFORE = notificationsMigrations.filter((m) => m !== DeliveriesRoomForLeases1765600000000);

/** Deliveries as partition maintenance made them before this migration: no fillfactor. */
const deliveriesBefore: PartitionedTable = { table: 'deliveries', key: 'event_id', kind: 'uuidv7' };

describe('leaving room for leases on a database whose deliveries are partitioned already', () => {
  let database: TestDatabase;
  let db: DataSource;

  async function migrated(migrations: readonly (new () => MigrationInterface)[]) {
    const options = dataSourceOptions({ DATABASE_URL: database.url, DB_SCHEMA: 'notifications' }, [
      ...migrations,
    ]);
    return migrateUnderLock(new DataSource(options), 'notifications');
  }

  /** Each partition of deliveries, default included, with its storage parameters. */
  async function partitions(): Promise<{ name: string; reloptions: string[] | null }[]> {
    return db.query(
      `SELECT c.relname AS name, c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'notifications.deliveries'::regclass ORDER BY 1`,
    );
  }

  async function indexes(): Promise<string[]> {
    const rows: { name: string }[] = await db.query(
      `SELECT indexname AS name FROM pg_indexes
       WHERE schemaname = 'notifications' AND tablename = 'deliveries' ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  }

  beforeAll(async () => {
    // Given a database migrated up to the migration before, with week-wide partitions made by
    // maintenance as it made them then
    database = await createTestDatabase('notifications_room_for_leases');
    const before = await migrated(BEFORE);
    await new PartitionMaintainer(before, {
      schema: 'notifications',
      tables: [deliveriesBefore],
      retentionDays: 14,
      partitionDays: 7,
    }).run();
    await before.destroy();

    // When the migration runs
    db = await migrated(notificationsMigrations);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('leaves half of each page free in every partition that exists, the default included', async () => {
    // Then every partition, made before it, has the fillfactor
    const existing = await partitions();
    expect(existing.length).toBeGreaterThan(2);
    expect(existing.map((p) => p.name)).toContain('deliveries_default');
    for (const p of existing) expect(p.reloptions).toEqual(['fillfactor=50']);
  });

  it('drops the index on the message id alone, and finds deliveries by message id through the unique key', async () => {
    // Then the index is gone, the unique key it duplicated is there, and a lookup uses it
    const names = await indexes();
    expect(names).not.toContain('deliveries_message_idx');
    expect(names).toContain('deliveries_message_id_endpoint_id_event_id_key');
    // (on an empty table a sequential scan would win: it is turned off for the plan)
    const plan = await db.transaction(async (manager) => {
      await manager.query('SET LOCAL enable_seqscan = off');
      const rows: { 'QUERY PLAN': string }[] = await manager.query(
        `EXPLAIN SELECT id FROM notifications.deliveries WHERE message_id = 'msg_1'`,
      );
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/message_id_endpoint_id_event_id_key/);
  });

  it('is undone by its down: the index is back and every partition has the default fillfactor', async () => {
    // When the migration is undone
    await db.undoLastMigration();

    // Then the index is back and no partition keeps the fillfactor
    expect(await indexes()).toContain('deliveries_message_idx');
    for (const p of await partitions()) expect(p.reloptions).toBeNull();
  });
});
