import { inboxTableDdl, outboxTableDdl } from '@switchyard/messaging';
import { createTestDataSource, type TestDataSource } from '@switchyard/testing';
import { v7 as uuidv7 } from 'uuid';
import { messagingPartitionedTables } from './messaging-tables';
import { DAY_MS, dayOf, partitionName, type PartitionedTable } from './partition-bounds';
import { PartitionMaintainer } from './partition-maintainer';
import { listPartitions } from './partition-sql';

const SCHEMA = 'svc';

/**
 * A table keyed by epoch seconds, like Stripe events, that keeps rows still to be processed, and
 * leaves room on its pages for updates.
 */
const inboundEvents: PartitionedTable = {
  table: 'inbound_events',
  key: 'created',
  kind: 'epoch_seconds',
  keepWhile: `status = 'received'`,
  fillfactor: 60,
};
const tables = [...messagingPartitionedTables, inboundEvents];

const inboundEventsDdl = [
  `CREATE TABLE svc.inbound_events (
     id text NOT NULL, created bigint NOT NULL, status text NOT NULL, PRIMARY KEY (id, created)
   ) PARTITION BY RANGE (created)`,
  `CREATE TABLE svc.inbound_events_default PARTITION OF svc.inbound_events DEFAULT`,
];

const partitionAt = (table: string, ms: number) => partitionName(table, dayOf(ms));

describe('partition maintenance (real Postgres)', () => {
  let db: TestDataSource;
  /** One clock per test, so a test that straddles midnight UTC still agrees with itself. */
  let now: number;
  const daysAgo = (days: number) => now - days * DAY_MS;

  beforeEach(async () => {
    now = Date.now();
    db = await createTestDataSource('partitions', SCHEMA, [
      ...outboxTableDdl(SCHEMA),
      ...inboxTableDdl(SCHEMA),
      ...inboundEventsDdl,
    ]);
  });

  afterEach(() => db?.close());

  const maintainer = (retentionDays: number, partitionDays = 1) => ({
    run: (at = now) =>
      new PartitionMaintainer(db.dataSource, {
        schema: SCHEMA,
        tables,
        retentionDays,
        partitionDays,
      }).run(new Date(at)),
  });

  /** The days each partition of the outbox holds, from the catalog, in order. */
  async function outboxRanges(): Promise<{ name: string; from: number; to: number }[]> {
    const partitions = await listPartitions(db.dataSource, SCHEMA, 'outbox', 'uuidv7');
    return partitions
      .flatMap((p) => (p.days ? [{ name: p.name, ...p.days }] : []))
      .sort((a, b) => a.from - b.from);
  }

  async function partitionsOf(table: string): Promise<string[]> {
    const rows: { name: string }[] = await db.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1) ORDER BY 1`,
      [`${SCHEMA}.${table}`],
    );
    return rows.map((r) => r.name);
  }

  /** The partition a row lives in, or undefined when the row is gone. */
  async function partitionOf(table: string, where: string, value: unknown) {
    const [row]: { partition: string }[] = await db.dataSource.query(
      `SELECT tableoid::regclass::text AS partition FROM ${SCHEMA}.${table} WHERE ${where} = $1`,
      [value],
    );
    return row?.partition.replace(`${SCHEMA}.`, '');
  }

  async function addOutboxEvent(at: number, published: boolean): Promise<string> {
    const id = uuidv7({ msecs: at });
    await db.dataSource.query(
      `INSERT INTO svc.outbox (event_id, topic, message_key, payload, published_at)
       VALUES ($1, 'orders.events.v1', 'k', '{}', $2)`,
      [id, published ? new Date() : null],
    );
    return id;
  }

  async function addInboxEvent(at: number): Promise<string> {
    const id = uuidv7({ msecs: at });
    await db.dataSource.query(
      `INSERT INTO svc.inbox (consumer, event_id, event_type) VALUES ('c', $1, 'order.paid')`,
      [id],
    );
    return id;
  }

  async function addInboundEvent(id: string, at: number, status: string): Promise<void> {
    await db.dataSource.query(
      `INSERT INTO svc.inbound_events (id, created, status) VALUES ($1, $2, $3)`,
      [id, Math.floor(at / 1000), status],
    );
  }

  it('creates a partition for each day from now − retention to three days ahead', async () => {
    // Given tables with only their default partition

    // When maintenance runs with a retention of 5 days
    await maintainer(5).run();

    // Then each table has the 9 days from 5 days ago to 3 days ahead, and its default
    const expected = [-5, -4, -3, -2, -1, 0, 1, 2, 3].map((d) =>
      partitionAt('outbox', now + d * DAY_MS),
    );
    expect(await partitionsOf('outbox')).toEqual([...expected, 'outbox_default'].sort());
    expect(await partitionsOf('inbound_events')).toHaveLength(10);
  });

  it("makes each partition with its table's fillfactor, and with Postgres's default where it has none", async () => {
    // Given tables with only their default partition, one of them with a fillfactor

    // When maintenance runs
    await maintainer(2).run();

    // Then every day's partition of that table has its fillfactor, and the outbox's have none
    const reloptions = async (table: string) =>
      (
        (await db.dataSource.query(
          `SELECT c.reloptions FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = to_regclass($1) AND c.relname <> $2`,
          [`${SCHEMA}.${table}`, `${table}_default`],
        )) as { reloptions: string[] | null }[]
      ).map((r) => r.reloptions);
    expect(await reloptions('inbound_events')).toEqual(Array(6).fill(['fillfactor=60']));
    expect(await reloptions('outbox')).toEqual(Array(6).fill(null));
  });

  it('moves rows waiting in the default partition into the partition made for their day', async () => {
    // Given an event that arrived before its day had a partition
    const id = await addOutboxEvent(now, false);
    expect(await partitionOf('outbox', 'event_id', id)).toBe('outbox_default');

    // When maintenance creates today's partition
    const report = await maintainer(5).run();

    // Then the event lives in today's partition, unchanged and still unpublished
    expect(await partitionOf('outbox', 'event_id', id)).toBe(partitionAt('outbox', now));
    expect(report.find((r) => r.table === 'outbox')?.moved).toBe(1);
    const [row] = await db.dataSource.query(
      'SELECT published_at FROM svc.outbox WHERE event_id = $1',
      [id],
    );
    expect(row).toEqual({ published_at: null });
  });

  it('drops the days past the retention with their rows, and keeps the newer days', async () => {
    // Given partitions for 30 days, and rows of 10 days ago and of today in each table
    await maintainer(30).run();
    const old = daysAgo(10);
    const oldOutbox = await addOutboxEvent(old, true);
    const newOutbox = await addOutboxEvent(now, true);
    const oldInbox = await addInboxEvent(old);
    const newInbox = await addInboxEvent(now);
    await addInboundEvent('evt_old', old, 'processed');
    await addInboundEvent('evt_new', now, 'processed');

    // When maintenance runs with a retention of 5 days
    await maintainer(5).run();

    // Then the partitions of 10 days ago are gone, and so are their rows
    expect(await partitionsOf('outbox')).not.toContain(partitionAt('outbox', old));
    expect(await partitionsOf('inbox')).not.toContain(partitionAt('inbox', old));
    expect(await partitionsOf('inbound_events')).not.toContain(partitionAt('inbound_events', old));
    expect(await partitionOf('outbox', 'event_id', oldOutbox)).toBeUndefined();
    expect(await partitionOf('inbox', 'event_id', oldInbox)).toBeUndefined();
    expect(await partitionOf('inbound_events', 'id', 'evt_old')).toBeUndefined();
    // And today's rows stay where they were
    expect(await partitionOf('outbox', 'event_id', newOutbox)).toBe(partitionAt('outbox', now));
    expect(await partitionOf('inbox', 'event_id', newInbox)).toBe(partitionAt('inbox', now));
    expect(await partitionOf('inbound_events', 'id', 'evt_new')).toBe(
      partitionAt('inbound_events', now),
    );
  });

  it('keeps an outbox day past the retention while it holds an unpublished event, and says so', async () => {
    // Given an unpublished event of 10 days ago beside a published one of 11 days ago
    await maintainer(30).run();
    const unpublished = await addOutboxEvent(daysAgo(10), false);
    const published = await addOutboxEvent(daysAgo(11), true);
    const warnings: string[] = [];
    const logger = {
      info: () => undefined,
      warn: (_: object, message: string) => warnings.push(message),
    };

    // When maintenance runs with a retention of 5 days
    const report = await new PartitionMaintainer(db.dataSource, {
      schema: SCHEMA,
      tables,
      retentionDays: 5,
      partitionDays: 1,
      logger,
    }).run(new Date(now));

    // Then the unpublished event's day is kept, and the published one's is dropped
    expect(await partitionOf('outbox', 'event_id', unpublished)).toBe(
      partitionAt('outbox', daysAgo(10)),
    );
    expect(await partitionOf('outbox', 'event_id', published)).toBeUndefined();
    expect(report.find((r) => r.table === 'outbox')?.kept).toEqual([
      partitionAt('outbox', daysAgo(10)),
    ]);
    expect(warnings.join('\n')).toMatch(/unpublished/);
  });

  it('purges old rows from the default partition, except those still to be done', async () => {
    // Given partitions for 5 days, and rows of 20 days ago that landed in the default partition
    await maintainer(5).run();
    const oldPublished = await addOutboxEvent(daysAgo(20), true);
    const oldUnpublished = await addOutboxEvent(daysAgo(20), false);
    const oldInbox = await addInboxEvent(daysAgo(20));
    await addInboundEvent('evt_processed', daysAgo(20), 'processed');
    await addInboundEvent('evt_received', daysAgo(20), 'received');

    // When maintenance runs again
    const report = await maintainer(5).run();

    // Then the finished ones are deleted and the unfinished ones wait in the default partition
    expect(await partitionOf('outbox', 'event_id', oldPublished)).toBeUndefined();
    expect(await partitionOf('inbox', 'event_id', oldInbox)).toBeUndefined();
    expect(await partitionOf('inbound_events', 'id', 'evt_processed')).toBeUndefined();
    expect(await partitionOf('outbox', 'event_id', oldUnpublished)).toBe('outbox_default');
    expect(await partitionOf('inbound_events', 'id', 'evt_received')).toBe(
      'inbound_events_default',
    );
    expect(report.map((r) => r.purged)).toEqual([1, 1, 1]);
  });

  it('lets a row keyed past the days ahead wait in the default partition until its day comes', async () => {
    // Given an event id from a clock 10 days fast
    await maintainer(5).run();
    const skewed = await addInboxEvent(now + 10 * DAY_MS);
    expect(await partitionOf('inbox', 'event_id', skewed)).toBe('inbox_default');

    // When maintenance runs on the day the id's day is within three days ahead
    await maintainer(5).run(now + 8 * DAY_MS);

    // Then the row is in its day's partition
    expect(await partitionOf('inbox', 'event_id', skewed)).toBe(
      partitionAt('inbox', now + 10 * DAY_MS),
    );
  });

  it('runs twice at once without failing: the second waits for the first and finds nothing left', async () => {
    // Given rows 10 days old in partitions kept for 30 days
    await maintainer(30).run();
    await addOutboxEvent(daysAgo(10), true);
    await addInboxEvent(daysAgo(10));

    // When two instances run maintenance with a retention of 5 days at the same moment
    const reports = await Promise.all([maintainer(5).run(), maintainer(5).run()]);

    // Then both succeed, and each expired partition was dropped exactly once
    const dropped = reports.flatMap((r) => r.flatMap((t) => t.dropped)).sort();
    expect(dropped).toEqual([...new Set(dropped)]);
    expect(dropped).toContain(partitionAt('outbox', daysAgo(10)));
    expect(reports.flatMap((r) => r.map((t) => t.dropError)).filter(Boolean)).toEqual([]);
  });

  it('makes week-wide partitions when asked: every day from now − retention to three days ahead, once', async () => {
    // Given tables with only their default partition

    // When maintenance runs with a retention of 30 days and partitions of 7
    await maintainer(30, 7).run();

    // Then the outbox has at most 6 partitions, none wider than 7 days, holding every day once
    const ranges = await outboxRanges();
    expect(ranges.length).toBeLessThanOrEqual(6);
    expect(ranges.every((r) => r.to - r.from >= 1 && r.to - r.from <= 7)).toBe(true);
    ranges.slice(1).forEach((r, i) => expect(r.from).toBe(ranges[i]?.to));
    expect(ranges[0]?.from).toBe(dayOf(daysAgo(30)));
    expect(ranges.at(-1)?.to).toBeGreaterThan(dayOf(now) + 3);
    // And an event made now lands in one of them, not in the default partition
    const id = await addOutboxEvent(now, false);
    const holder = ranges.find((r) => r.from <= dayOf(now) && dayOf(now) < r.to);
    expect(await partitionOf('outbox', 'event_id', id)).toBe(holder?.name);
  });

  it('fills around the daily partitions an earlier setting made, without overlapping them', async () => {
    // Given daily partitions from 5 days ago to 3 days ahead
    await maintainer(5).run();
    const daily = await outboxRanges();

    // When maintenance runs two days later with week-wide partitions and 30 days kept
    await maintainer(30, 7).run(now + 2 * DAY_MS);

    // Then the daily partitions are still there, and the days around them are held once each
    const ranges = await outboxRanges();
    for (const day of daily) expect(ranges).toContainEqual(day);
    ranges.slice(1).forEach((r, i) => expect(r.from).toBe(ranges[i]?.to));
    expect(ranges.at(-1)?.to).toBeGreaterThan(dayOf(now) + 5);
  });

  it('drops a week-wide partition only once its last day is past the retention', async () => {
    // Given week-wide partitions, and a published event of 10 days ago in one of them
    await maintainer(30, 7).run();
    const old = await addOutboxEvent(daysAgo(10), true);
    const holder = (await outboxRanges()).find(
      (r) => r.from <= dayOf(daysAgo(10)) && dayOf(daysAgo(10)) < r.to,
    );
    if (!holder) throw new Error('no partition holds the day of 10 days ago');
    /** Noon of the day when now − 5 days falls on `day`. */
    const whenRetentionStartsAt = (day: number) => (day + 5) * DAY_MS + DAY_MS / 2;

    // When maintenance with a retention of 5 days runs while the partition's last day is kept
    await maintainer(5, 7).run(whenRetentionStartsAt(holder.to - 1));

    // Then the partition and its event are kept
    expect(await partitionOf('outbox', 'event_id', old)).toBe(holder.name);

    // And when it runs the day after that, the partition is dropped with its event
    await maintainer(5, 7).run(whenRetentionStartsAt(holder.to));
    expect(await partitionOf('outbox', 'event_id', old)).toBeUndefined();
  });

  it('moves rows waiting in the default partition into the week-wide partition that holds their day', async () => {
    // Given week-wide partitions, and an event keyed 10 days ahead, past them, in the default partition
    await maintainer(5, 7).run();
    const ahead = now + 10 * DAY_MS;
    const id = await addOutboxEvent(ahead, false);
    expect(await partitionOf('outbox', 'event_id', id)).toBe('outbox_default');

    // When maintenance runs 8 days later, when the event's day is within the days ahead
    const report = await maintainer(5, 7).run(now + 8 * DAY_MS);

    // Then the event is in the partition whose days hold its day, and it was counted as moved
    const holder = (await outboxRanges()).find(
      (r) => r.from <= dayOf(ahead) && dayOf(ahead) < r.to,
    );
    expect(holder).toBeDefined();
    expect(await partitionOf('outbox', 'event_id', id)).toBe(holder?.name);
    expect(report.find((r) => r.table === 'outbox')?.moved).toBe(1);
  });
});
