import {
  dataSourceOptions,
  DAY_MS,
  dayOf,
  migrateUnderLock,
  partitionName,
} from '@switchyard/service';
import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { DataSource, type MigrationInterface } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { CreateNotificationsSchema1764300000000 } from './1764300000000-create-notifications-schema';
import { EndpointOptions1764400000000 } from './1764400000000-endpoint-options';
import { DeliveryControls1764500000000 } from './1764500000000-delivery-controls';
import { FiltersAndPayloadMode1764600000000 } from './1764600000000-filters-and-payload-mode';
import { DeliveryLeaseOwner1764650000000 } from './1764650000000-delivery-lease-owner';
import { PartitionByTime1764700000000 } from './1764700000000-partition-by-time';

const BEFORE = [
  CreateNotificationsSchema1764300000000,
  EndpointOptions1764400000000,
  DeliveryControls1764500000000,
  FiltersAndPayloadMode1764600000000,
  DeliveryLeaseOwner1764650000000,
];

describe('partitioning the notifications tables of a database that already has rows', () => {
  let database: TestDatabase;
  let db: DataSource;
  const threeDaysAgo = Date.now() - 3 * DAY_MS;
  const eventId = uuidv7({ msecs: threeDaysAgo });
  const partnerId = randomUUID();
  const endpointId = randomUUID();
  const deliveryId = randomUUID();
  const messageId = `msg_${uuidv7()}`;
  const inboxEventId = uuidv7({ msecs: threeDaysAgo });
  const outboxEventId = uuidv7({ msecs: threeDaysAgo });

  async function migrated(migrations: (new () => MigrationInterface)[]): Promise<DataSource> {
    const options = dataSourceOptions(
      { DATABASE_URL: database.url, DB_SCHEMA: 'notifications' },
      migrations,
    );
    return migrateUnderLock(new DataSource(options), 'notifications');
  }

  beforeAll(async () => {
    // Given a database migrated before partitioning, holding a partner's message of three days
    // ago, its delivery with two attempts, an inbox row and unpublished outbox rows
    database = await createTestDatabase('notifications_partitioning');
    const before = await migrated(BEFORE);
    const statements: [string, unknown[]][] = [
      [
        `INSERT INTO notifications.partners (id, name, api_key_hash) VALUES ($1, 'Acme', 'hash')`,
        [partnerId],
      ],
      [
        `INSERT INTO notifications.endpoints (id, partner_id, url, event_types, secret)
         VALUES ($1, $2, 'https://acme.example/hook', '{order.*}', 'whsec_x')`,
        [endpointId, partnerId],
      ],
      [
        `INSERT INTO notifications.messages (id, partner_id, event_id, event_type, subject, payload)
         VALUES ($1, $2, $3, 'order.paid', 'o-1', '{}')`,
        [messageId, partnerId, eventId],
      ],
      [
        `INSERT INTO notifications.deliveries (id, message_id, endpoint_id, status, attempts)
         VALUES ($1, $2, $3, 'succeeded', 2)`,
        [deliveryId, messageId, endpointId],
      ],
      [
        `INSERT INTO notifications.attempts (delivery_id, status_code, latency_ms, sent_by)
         VALUES ($1, 500, 12, 'host-a:1:aa'), ($1, 204, 9, 'host-b:2:bb')`,
        [deliveryId],
      ],
      [
        `INSERT INTO notifications.inbox (consumer, event_id, event_type) VALUES ('partner-events', $1, 'order.paid')`,
        [inboxEventId],
      ],
      [
        `INSERT INTO notifications.outbox (event_id, topic, message_key, payload)
         VALUES ($1, 't', 'k', '{}'), ($2, 't', 'k', '{}'), ($3, 't', 'k', '{}')`,
        [outboxEventId, uuidv7({ msecs: threeDaysAgo }), uuidv7({ msecs: threeDaysAgo })],
      ],
    ];
    for (const [sql, params] of statements) await before.query(sql, params);
    await before.destroy();

    // When the partitioning migration runs
    db = await migrated([...BEFORE, PartitionByTime1764700000000]);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  /** The partition of the rows' day: they are all from three days ago. */
  const ofRowsDay = (table: string) => `notifications.${partitionName(table, dayOf(threeDaysAgo))}`;

  it('makes each table partitioned by range, with a default partition', async () => {
    // Then each table has the partition of the rows' day and its default partition
    const rows: { table: string; partitions: string[] }[] = await db.query(
      `SELECT p.partrelid::regclass::text AS table,
              array_agg(c.relname::text ORDER BY c.relname) AS partitions
       FROM pg_partitioned_table p JOIN pg_inherits i ON i.inhparent = p.partrelid
       JOIN pg_class c ON c.oid = i.inhrelid
       WHERE p.partstrat = 'r' GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.table)).toEqual([
      'notifications.attempts',
      'notifications.deliveries',
      'notifications.inbox',
      'notifications.messages',
      'notifications.outbox',
    ]);
    for (const { table, partitions } of rows) {
      const name = table.replace('notifications.', '');
      expect(partitions).toEqual([
        `${name}_default`,
        ofRowsDay(name).replace('notifications.', ''),
      ]);
    }
  });

  it('keeps every row, in the partition of its event day, with the event id copied to deliveries and attempts', async () => {
    // Then the message, its delivery and its attempts are all in their day's partitions
    const [message] = await db.query(
      `SELECT tableoid::regclass::text AS partition, partner_id, event_type FROM notifications.messages WHERE id = $1`,
      [messageId],
    );
    const [delivery] = await db.query(
      `SELECT tableoid::regclass::text AS partition, event_id, status, attempts FROM notifications.deliveries WHERE id = $1`,
      [deliveryId],
    );
    const attempts = await db.query(
      `SELECT tableoid::regclass::text AS partition, event_id, status_code, sent_by FROM notifications.attempts
       WHERE delivery_id = $1 ORDER BY id`,
      [deliveryId],
    );

    expect(message).toEqual({
      partition: ofRowsDay('messages'),
      partner_id: partnerId,
      event_type: 'order.paid',
    });
    expect(delivery).toEqual({
      partition: ofRowsDay('deliveries'),
      event_id: eventId,
      status: 'succeeded',
      attempts: 2,
    });
    expect(attempts).toEqual([
      {
        partition: ofRowsDay('attempts'),
        event_id: eventId,
        status_code: 500,
        sent_by: 'host-a:1:aa',
      },
      {
        partition: ofRowsDay('attempts'),
        event_id: eventId,
        status_code: 204,
        sent_by: 'host-b:2:bb',
      },
    ]);
  });

  it('still refuses a second message, delivery or inbox row for the same event', async () => {
    // Then inserting the same keys again changes nothing (or fails, for the outbox)
    const message = await db.query(
      `INSERT INTO notifications.messages (id, partner_id, event_id, event_type, subject, payload)
       VALUES ($1, $2, $3, 'order.paid', 'o-1', '{}') ON CONFLICT (partner_id, event_id) DO NOTHING RETURNING id`,
      [`msg_${uuidv7()}`, partnerId, eventId],
    );
    const delivery = await db.query(
      `INSERT INTO notifications.deliveries (id, message_id, event_id, endpoint_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (message_id, endpoint_id, event_id) DO NOTHING RETURNING id`,
      [randomUUID(), messageId, eventId, endpointId],
    );
    const inbox = await db.query(
      `INSERT INTO notifications.inbox (consumer, event_id, event_type) VALUES ('partner-events', $1, 'order.paid')
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [inboxEventId],
    );

    expect([message, delivery, inbox]).toEqual([[], [], []]);
    await expect(
      db.query(
        `INSERT INTO notifications.outbox (event_id, topic, message_key, payload) VALUES ($1, 't', 'k', '{}')`,
        [outboxEventId],
      ),
    ).rejects.toThrow(/duplicate key/);
  });

  it('numbers new attempts and outbox rows after the old ones', async () => {
    // Then the sequences carry on where the old tables left them
    const [attempt] = await db.query(
      `INSERT INTO notifications.attempts (delivery_id, event_id, latency_ms) VALUES ($1, $2, 1) RETURNING id`,
      [deliveryId, eventId],
    );
    const [outbox] = await db.query(
      `INSERT INTO notifications.outbox (event_id, topic, message_key, payload) VALUES ($1, 't', 'k', '{}') RETURNING position`,
      [uuidv7()],
    );

    // (the old attempts were 1 and 2, the old outbox rows 1 to 3)
    expect(Number(attempt.id)).toBeGreaterThan(2);
    expect(Number(outbox.position)).toBeGreaterThan(3);
  });

  it('still refuses a delivery to an endpoint that does not exist', async () => {
    // Then the foreign key to endpoints (a plain table) survives partitioning
    await expect(
      db.query(
        `INSERT INTO notifications.deliveries (id, message_id, event_id, endpoint_id) VALUES ($1, $2, $3, $4)`,
        [randomUUID(), messageId, eventId, randomUUID()],
      ),
    ).rejects.toThrow(/foreign key/);
  });
});
