import {
  dataSourceOptions,
  DAY_MS,
  dayOf,
  migrateUnderLock,
  partitionName,
} from '@switchyard/service';
import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CreatePaymentsSchema1764300000000 } from './1764300000000-create-payments-schema';
import { PaymentIntentsAndState1764400000000 } from './1764400000000-payment-intents-and-state';
import { PartitionByTime1764700000000 } from './1764700000000-partition-by-time';

const BEFORE = [CreatePaymentsSchema1764300000000, PaymentIntentsAndState1764400000000];

describe('partitioning stripe_events of a database that already has rows', () => {
  let database: TestDatabase;
  let db: DataSource;
  const twoDaysAgo = Math.floor((Date.now() - 2 * DAY_MS) / 1000);
  const receivedAt = new Date(Date.now() - DAY_MS);

  async function migrated(migrations: (new () => MigrationInterface)[]): Promise<DataSource> {
    const options = dataSourceOptions(
      { DATABASE_URL: database.url, DB_SCHEMA: 'payments' },
      migrations,
    );
    return migrateUnderLock(new DataSource(options), 'payments');
  }

  beforeAll(async () => {
    // Given a database migrated before partitioning, holding an event processed two days after
    // Stripe created it, and an event whose `created` was never filled in
    database = await createTestDatabase('payments_partitioning');
    const before = await migrated(BEFORE);
    await before.query(
      `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, status)
       VALUES ('evt_old', 'payment_intent.succeeded', $1, false, $2, 'processed')`,
      [twoDaysAgo, JSON.stringify({ id: 'evt_old', created: twoDaysAgo })],
    );
    await before.query(
      `INSERT INTO payments.stripe_events (id, type, livemode, payload, received_at)
       VALUES ('evt_undated', 'charge.refunded', false, '{"id":"evt_undated"}', $1)`,
      [receivedAt],
    );
    await before.destroy();

    // When the partitioning migration runs
    db = await migrated([...BEFORE, PartitionByTime1764700000000]);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('keeps every event in the partition of the day Stripe created it, dating an undated one by its arrival', async () => {
    // Then both events are kept, each in its day's partition
    const rows = await db.query(
      `SELECT id, created::bigint AS created, status, tableoid::regclass::text AS partition
       FROM payments.stripe_events ORDER BY id`,
    );

    const arrival = Math.floor(receivedAt.getTime() / 1000);
    expect(rows).toEqual([
      {
        id: 'evt_old',
        created: String(twoDaysAgo),
        status: 'processed',
        partition: `payments.${partitionName('stripe_events', dayOf(twoDaysAgo * 1000))}`,
      },
      {
        id: 'evt_undated',
        created: String(arrival),
        status: 'received',
        partition: `payments.${partitionName('stripe_events', dayOf(arrival * 1000))}`,
      },
    ]);
  });

  it('still takes a redelivered event as a duplicate', async () => {
    // Then storing the same event again, as intake does, stores nothing
    const stored = await db.query(
      `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, source)
       VALUES ('evt_old', 'payment_intent.succeeded', $1, false, '{}', 'webhook')
       ON CONFLICT (id, created) DO NOTHING RETURNING id`,
      [twoDaysAgo],
    );

    expect(stored).toEqual([]);
  });

  it('requires created from now on', async () => {
    // Then an event without created is refused
    await expect(
      db.query(
        `INSERT INTO payments.stripe_events (id, type, livemode, payload) VALUES ('evt_x', 't', false, '{}')`,
      ),
    ).rejects.toThrow(/null value in column "created"/);
  });
});
