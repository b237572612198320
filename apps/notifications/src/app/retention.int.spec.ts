import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import { DAY_MS, dayOf, PartitionMaintainer, partitionName } from '@switchyard/service';
import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../testing/notifications-app.test-helper';
import { partitionedTables } from './partitioned-tables';

const EVENT_TABLES = ['inbox', 'messages', 'deliveries', 'attempts'] as const;

describe('retention of messages, deliveries and attempts (real Kafka and Postgres)', () => {
  let t: NotificationsTestApp;
  let receiver: ScriptedReceiver;
  let apiKey: string;
  let endpointId: string;
  const now = Date.now();
  const tenDaysAgo = now - 10 * DAY_MS;

  beforeAll(async () => {
    // Daily partitions, so a day's rows and the day's partition go together past the retention.
    t = await startNotificationsApp('retention', { PARTITION_DAYS: '1' });
    receiver = new ScriptedReceiver();
    await receiver.start();
    apiKey = await t.createPartner();
    endpointId = (await t.createEndpoint(apiKey, { url: receiver.url('/hook') })).id;
  });

  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  /** An order event whose uuid v7 id was made at `atMs`, published through Kafka. */
  async function publishOrderEventFrom(atMs: number): Promise<DomainEvent> {
    const orderId = randomUUID();
    const event = createEvent(
      'order.cancelled',
      orderId,
      { orderId, reason: 'test' },
      { id: uuidv7({ msecs: atMs }), occurredAt: new Date(atMs) },
    );
    await t.publisher.sendBatch([
      {
        topic: `${t.kafkaPrefix}${Topics.ordersEvents}`,
        messages: [{ key: orderId, value: JSON.stringify(event) }],
      },
    ]);
    return event;
  }

  async function delivered(event: DomainEvent): Promise<void> {
    await waitFor(`event ${event.id} to be delivered`, async () => {
      const delivery = await t.deliveryOf(event.id, endpointId);
      return delivery?.status === 'succeeded';
    });
  }

  /** Where each table keeps the rows of this event: table → partitions (empty once dropped). */
  async function whereRowsOf(event: DomainEvent): Promise<Record<string, string[]>> {
    const found: Record<string, string[]> = {};
    for (const table of EVENT_TABLES) {
      const rows: { partition: string }[] = await t.dataSource.query(
        `SELECT DISTINCT tableoid::regclass::text AS partition FROM notifications.${table} WHERE event_id = $1`,
        [event.id],
      );
      found[table] = rows.map((r) => r.partition);
    }
    return found;
  }

  const inPartitionsOf = (ms: number) =>
    Object.fromEntries(
      EVENT_TABLES.map((table) => [table, [`notifications.${partitionName(table, dayOf(ms))}`]]),
    );

  async function partitionsOf(table: string): Promise<string[]> {
    const rows: { name: string }[] = await t.dataSource.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1)`,
      [`notifications.${table}`],
    );
    return rows.map((r) => r.name);
  }

  let fresh: DomainEvent;

  it('fans a fresh event out into the partitions the service made for today at start', async () => {
    // Given a service that has just started
    // When an event made now is consumed, fanned out and delivered
    fresh = await publishOrderEventFrom(now);
    await delivered(fresh);

    // Then its inbox row, message, delivery and attempt are in today's partitions, not the default
    expect(await whereRowsOf(fresh)).toEqual(inPartitionsOf(now));
  });

  it('drops the day of an event older than the retention with everything it caused, and keeps the fresh one', async () => {
    // Given an event made ten days ago (a replay), consumed, fanned out and delivered now
    const old = await publishOrderEventFrom(tenDaysAgo);
    await delivered(old);
    expect(await whereRowsOf(old)).toEqual(inPartitionsOf(tenDaysAgo));

    // When two instances run maintenance with a retention of 5 days at the same moment
    const maintainer = () =>
      new PartitionMaintainer(t.dataSource, {
        schema: 'notifications',
        tables: partitionedTables,
        retentionDays: 5,
        partitionDays: 1,
      });
    const reports = await Promise.all([maintainer().run(), maintainer().run()]);

    // Then both runs succeed and the partitions of ten days ago are gone, with their rows
    expect(reports.flat().filter((r) => r.dropError)).toEqual([]);
    for (const table of EVENT_TABLES) {
      expect(await partitionsOf(table)).not.toContain(partitionName(table, dayOf(tenDaysAgo)));
    }
    expect(await whereRowsOf(old)).toEqual({
      inbox: [],
      messages: [],
      deliveries: [],
      attempts: [],
    });
    // And the fresh event's rows stay, as the partner's message log shows
    expect(await whereRowsOf(fresh)).toEqual(inPartitionsOf(now));
    const log = await t.api(apiKey, 'GET', '/v1/messages');
    expect((log.body['data'] as { eventId: string }[]).map((m) => m.eventId)).toEqual([fresh.id]);
  });
});
