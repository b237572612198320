import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import {
  createTestDataSource,
  type TestDataSource,
  testKafkaBrokers,
  TopicRecorder,
  uniqueKafkaPrefix,
  waitFor,
} from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EventPublisher } from '../event-publisher';
import { createKafka, ensureTopics } from '../kafka-settings';
import { outboxTableDdl } from '../messaging-ddl';
import { newTraceparent } from '../trace-context';
import { CommitHooksSubscriber } from '../database/commit-hooks';
import { WakeUps } from '../wake-ups';
import { appendToOutbox } from './outbox.writer';
import { dueRowsStatement, OutboxRelay, RELAY_SESSION_SETTINGS } from './outbox.relay';

describe('outbox relay (real Postgres, real Kafka)', () => {
  const prefix = uniqueKafkaPrefix('relay');
  const topic = `${prefix}${Topics.ordersEvents}`;
  const kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: 'relay-test',
    namePrefix: prefix,
  });
  const relays: OutboxRelay[] = [];
  let db: TestDataSource;
  let publisher: EventPublisher;
  let recorder: TopicRecorder;
  /** This process's writers and relays, as one instance's. */
  let wakeUps: WakeUps;

  beforeAll(async () => {
    db = await createTestDataSource('relay', 'svc', outboxTableDdl('svc'), [CommitHooksSubscriber]);
    wakeUps = new WakeUps((channel) => db.dataSource.query(`SELECT pg_notify($1, '')`, [channel]));
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [topic]);
    await admin.disconnect();
    publisher = new EventPublisher(kafka);
    recorder = new TopicRecorder([topic]);
    await recorder.start();
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await recorder?.stop();
    await db?.close();
  });

  function relay(
    pollIntervalMs = 100,
    options: Partial<ConstructorParameters<typeof OutboxRelay>[1]> = {},
  ): OutboxRelay {
    const created = new OutboxRelay(publisher, {
      schema: 'svc',
      connectionString: db.database.url,
      topicName: (t) => `${prefix}${t}`,
      pollIntervalMs,
      wakeUps,
      ...options,
    });
    relays.push(created);
    return created;
  }

  function orderEvent(orderId: string): DomainEvent {
    return createEvent(
      'order.cancelled',
      orderId,
      { orderId, reason: randomUUID() },
      { traceparent: newTraceparent() },
    );
  }

  /**
   * When a standby was last refused leadership, seen from Postgres: the start of the last
   * `pg_try_advisory_lock` of a relay session of this database that finished it holding no lock.
   */
  async function standbyLastRefusedAt(): Promise<number | undefined> {
    const [row]: { asked: Date }[] = await db.dataSource.query(
      `SELECT query_start AS asked FROM pg_stat_activity
       WHERE application_name = 'switchyard-outbox-relay:svc' AND datname = current_database()
         AND state = 'idle' AND query LIKE '%pg_try_advisory_lock%'
         AND pid NOT IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );
    return row?.asked.getTime();
  }

  const publishedIds = (orderId: string) =>
    recorder.messages
      .filter((m) => m.key === orderId)
      .map((m) => (JSON.parse(m.value ?? '{}') as { id: string }).id);

  it('publishes a row committed after a later-numbered one, in commit order for its key, with its trace header', async () => {
    relay().start();
    const orderId = randomUUID();
    const [first, second] = [orderEvent(orderId), orderEvent(orderId)];

    // Given a transaction that takes the lower outbox position and stays open
    const slow = db.dataSource.createQueryRunner();
    await slow.connect();
    await slow.startTransaction();
    await appendToOutbox(slow.manager, 'svc', [first], wakeUps);

    // And a later transaction for the same key that commits first, and is published
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [second], wakeUps));
    await waitFor('the committed event on Kafka', () => publishedIds(orderId).length === 1);

    // When the first transaction finally commits
    await slow.commitTransaction();
    await slow.release();

    // Then it is published too, after the other, keyed by the subject, with its traceparent header
    await waitFor('both events on Kafka', () => publishedIds(orderId).length === 2);
    expect(publishedIds(orderId)).toEqual([second.id, first.id]);
    const message = recorder.messages.find((m) => m.value?.includes(first.id));
    expect(message?.headers['traceparent']).toBe(first.traceparent);
    expect(message?.headers['event-type']).toBe('order.cancelled');
  });

  it('publishes nothing from a transaction that rolls back', async () => {
    relay().start();
    const orderId = randomUUID();
    const [rolledBack, committed] = [orderEvent(orderId), orderEvent(orderId)];

    // Given a transaction that writes an event and rolls back
    await db.dataSource
      .transaction(async (m) => {
        await appendToOutbox(m, 'svc', [rolledBack], wakeUps);
        throw new Error('business rule failed');
      })
      .catch(() => undefined);

    // When a later transaction commits an event for the same key, on the same partition
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [committed], wakeUps));

    // Then once the committed one is on Kafka, it is the only event there for that key
    await waitFor('the committed event', () => publishedIds(orderId).includes(committed.id));
    expect(publishedIds(orderId)).toEqual([committed.id]);
  });

  it('publishes what was committed before it stops, even with no wake-up and a long poll', async () => {
    // Given an idle relay that will not poll again for a minute
    const idle = relay(60_000);
    idle.start();
    await waitFor('the relay to lead', () => idle.isLeader);
    const event = orderEvent(randomUUID());
    await db.dataSource.query(
      `INSERT INTO svc.outbox (event_id, topic, message_key, payload) VALUES ($1, $2, $3, $4)`,
      [event.id, Topics.ordersEvents, event.subject, JSON.stringify(event)],
    );

    // When it stops
    await idle.stop();

    // Then the row went out first
    await waitFor('the row on Kafka', () => publishedIds(event.subject).length === 1);
    const [{ unpublished }] = await db.dataSource.query(
      `SELECT count(*)::int AS unpublished FROM svc.outbox WHERE published_at IS NULL`,
    );
    expect(unpublished).toBe(0);
  });

  it('publishes an event its own instance commits at once, not at its next poll', async () => {
    // Given a leading relay that will not poll again for a minute
    const idle = relay(60_000);
    idle.start();
    await waitFor('the relay to lead', () => idle.isLeader);

    // When this instance commits an event
    const event = orderEvent(randomUUID());
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [event], wakeUps));

    // Then it is on Kafka well before the poll
    await waitFor('the event on Kafka', () => publishedIds(event.subject).length === 1, {
      timeoutMs: 10_000,
    });
  });

  it('sends the events committed while it lingers after a batch of more than one in one batch', async () => {
    // Given a leading relay that lingers a second under load (load being a batch of more than
    // one in the last 10 s, so a slow commit of the first of the three still finds it lingering)
    const orderId = randomUUID();
    const pair = [orderEvent(orderId), orderEvent(orderId)];
    const three = [orderEvent(orderId), orderEvent(orderId), orderEvent(orderId)];
    const commitOneByOne = async (events: DomainEvent[]) => {
      for (const event of events) {
        await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [event], wakeUps));
      }
    };
    const batches: number[] = [];
    let threeCommitted: Promise<void> | undefined;
    const lingering = relay(60_000, {
      lingerMs: 1_000,
      loadWindowMs: 10_000,
      onPublished: ({ rowsByTopic }) => {
        batches.push([...rowsByTopic.values()].reduce((a, b) => a + b));
        // When, as soon as it has sent a pair of events, three more are committed one after
        // another, each in its own transaction
        if (batches.length === 1) threeCommitted = commitOneByOne(three);
      },
    });
    lingering.start();
    await waitFor('the relay to lead', () => lingering.isLeader);
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', pair, wakeUps));
    await waitFor('the five events on Kafka', () => publishedIds(orderId).length === 5);
    await threeCommitted;

    // Then the three went out together, in order, after the pair
    expect(batches).toEqual([2, 3]);
    expect(publishedIds(orderId)).toEqual([...pair, ...three].map((e) => e.id));
  });

  it('sends a lone event after a lone event at once, without lingering', async () => {
    // Given a leading relay that would linger a minute under load, and has just sent one event
    const patient = relay(60_000, { lingerMs: 60_000 });
    patient.start();
    await waitFor('the relay to lead', () => patient.isLeader);
    const orderId = randomUUID();
    await db.dataSource.transaction((m) =>
      appendToOutbox(m, 'svc', [orderEvent(orderId)], wakeUps),
    );
    await waitFor('the first event on Kafka', () => publishedIds(orderId).length === 1);

    // When a second event is committed
    await db.dataSource.transaction((m) =>
      appendToOutbox(m, 'svc', [orderEvent(orderId)], wakeUps),
    );

    // Then it is on Kafka well before the minute's linger
    await waitFor('the second event on Kafka', () => publishedIds(orderId).length === 2, {
      timeoutMs: 10_000,
    });
  });

  it('sends the first event after a burst at once once the burst is over, without lingering', async () => {
    // Given a leading relay that would linger a minute under load, and has sent a pair of events
    // whose marks, 300 ms after the send, say the burst is over
    const patient = relay(60_000, { lingerMs: 60_000, markDelayMs: 300 });
    patient.start();
    await waitFor('the relay to lead', () => patient.isLeader);
    const orderId = randomUUID();
    const pair = [orderEvent(orderId), orderEvent(orderId)];
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', pair, wakeUps));
    await waitFor('the pair marked published', async () => {
      const [{ marked }] = await db.dataSource.query(
        `SELECT count(*)::int AS marked FROM svc.outbox
         WHERE event_id = ANY($1::uuid[]) AND published_at IS NOT NULL`,
        [pair.map((e) => e.id)],
      );
      return marked === 2;
    });

    // When a lone event is committed
    await db.dataSource.transaction((m) =>
      appendToOutbox(m, 'svc', [orderEvent(orderId)], wakeUps),
    );

    // Then it is on Kafka well before the minute's linger
    await waitFor('the lone event on Kafka', () => publishedIds(orderId).length === 3, {
      timeoutMs: 10_000,
    });
  });

  it('sends a row once while its mark waits, and marks it with the time Kafka took it', async () => {
    // Given a leading relay that marks sent rows only after a minute, or when it stops
    const idle = relay(60_000, { markDelayMs: 60_000 });
    idle.start();
    await waitFor('the relay to lead', () => idle.isLeader);
    const orderId = randomUUID();
    const first = orderEvent(orderId);
    const second = orderEvent(orderId);
    const publishedAt = async () => {
      const rows: { event_id: string; published_at: Date | null }[] = await db.dataSource.query(
        `SELECT event_id, published_at FROM svc.outbox WHERE event_id = ANY($1::uuid[])`,
        [[first.id, second.id]],
      );
      return new Map(rows.map((r) => [r.event_id, r.published_at]));
    };

    // When one event is committed and sent, and a second of the same order while the first is
    // not yet marked published
    const committedAt = Date.now();
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [first], wakeUps));
    await waitFor('the first event on Kafka', () => publishedIds(orderId).length === 1);
    const firstSeenAt = Date.now();
    expect((await publishedAt()).get(first.id)).toBeNull();
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [second], wakeUps));
    await waitFor('the second event on Kafka', () => publishedIds(orderId).length >= 2);

    // Then each went out once, in order
    expect(publishedIds(orderId)).toEqual([first.id, second.id]);

    // And once the relay stops, both are marked, the first with the time Kafka took it, before
    // it was seen on Kafka, not the time of the mark
    await idle.stop();
    const marked = await publishedAt();
    expect(marked.get(first.id)?.getTime()).toBeGreaterThanOrEqual(committedAt - 5);
    expect(marked.get(first.id)?.getTime()).toBeLessThanOrEqual(firstSeenAt);
    expect(marked.get(second.id)).toBeInstanceOf(Date);
  });

  it('backs off when marking fails, rather than sending the same rows again in a loop', async () => {
    // Given an outbox that refuses every mark, and a full batch of unpublished rows
    await db.dataSource.query(
      `CREATE FUNCTION svc.refuse_marks() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'marks refused by the test'; END $$`,
    );
    await db.dataSource.query(
      `CREATE TRIGGER refuse_marks BEFORE UPDATE ON svc.outbox
       FOR EACH ROW EXECUTE FUNCTION svc.refuse_marks()`,
    );
    try {
      const orderId = randomUUID();
      const events = Array.from({ length: 64 }, () => orderEvent(orderId));
      await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', events, wakeUps));
      const errors: unknown[] = [];
      const failedAt: number[] = [];

      // When a relay polling every 300 ms has failed to mark them twice
      const failing = relay(300, {
        batchSize: 64,
        onError: (err) => {
          errors.push(err);
          failedAt.push(performance.now());
        },
      });
      failing.start();
      await waitFor('two failed marks', () => errors.length >= 2);
      const failures = errors.length;

      // Then it paused between the two, as after any failed round, and sent the rows once a round
      const sends = publishedIds(orderId).filter((id) => id === events[0]?.id).length;
      expect(String(errors[0])).toMatch(/marks refused by the test/);
      expect((failedAt[1] as number) - (failedAt[0] as number)).toBeGreaterThanOrEqual(250);
      expect(sends).toBeLessThanOrEqual(failures + 1);
      await failing.stop();
    } finally {
      await db.dataSource.query(`DROP TRIGGER refuse_marks ON svc.outbox`);
      await db.dataSource.query(`DROP FUNCTION svc.refuse_marks()`);
      await db.dataSource.query(`UPDATE svc.outbox SET published_at = now()`);
    }
  });

  it('publishes an event another instance commits at once, through its notification', async () => {
    // Given a leading relay that will not poll again for a minute
    const idle = relay(60_000);
    idle.start();
    await waitFor('the relay to lead', () => idle.isLeader);

    // When another instance, whose relay does not lead, commits an event
    const otherInstance = new WakeUps((channel) =>
      db.dataSource.query(`SELECT pg_notify($1, '')`, [channel]),
    );
    const event = orderEvent(randomUUID());
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [event], otherInstance));

    // Then the leader publishes it well before its poll
    await waitFor('the event on Kafka', () => publishedIds(event.subject).length === 1, {
      timeoutMs: 10_000,
    });
  });

  it('keeps one relay active, and a standby takes over when the leader dies', async () => {
    // Given two relays on one schema
    const [a, b] = [relay(), relay()];
    a.start();
    await waitFor('a to lead', () => a.isLeader);

    // When the second one starts while the first leads
    b.start();

    // Then b is refused the leader lock, and again at its next round: it stands by
    const refused = await waitFor('b to be refused the leader lock', standbyLastRefusedAt);
    await waitFor(
      'b to be refused again at its next round',
      async () => ((await standbyLastRefusedAt()) ?? 0) > refused,
    );
    expect(b.isLeader).toBe(false);
    expect(a.isLeader).toBe(true);

    // And when the leader's database session dies
    await db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'switchyard-outbox-relay:svc' AND datname = current_database()
       AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );
    await a.stop();

    // Then the standby leads and publishes what comes next
    await waitFor('b to lead', () => b.isLeader);
    const event = orderEvent(randomUUID());
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', [event], wakeUps));
    await waitFor('the event published by b', () => publishedIds(event.subject).length === 1);
  });

  it('passes over rows it has published without reading their pages again, however many there are', async () => {
    // Given 2,000 rows published and marked, each leaving a dead entry in the index of
    // unpublished rows (no vacuum runs in a test)
    const events = Array.from({ length: 2000 }, () => orderEvent(randomUUID()));
    await db.dataSource.transaction((m) => appendToOutbox(m, 'svc', events, wakeUps));
    const busy = relay(100, { markDelayMs: 10 });
    busy.start();
    await waitFor('every row marked published', async () => {
      const [row]: { due: number }[] = await db.dataSource.query(
        `SELECT count(*)::int AS due FROM svc.outbox WHERE published_at IS NULL`,
      );
      return row?.due === 0;
    });
    await busy.stop();
    const [size]: { pages: number }[] = await db.dataSource.query(
      `SELECT (pg_relation_size('svc.outbox_default') / current_setting('block_size')::int)::int AS pages`,
    );

    // When the relay's read of due rows runs again and again on a session set as the relay's,
    // with the plan the relay keeps (a generic one, made without statistics)
    const session = new Client({ connectionString: db.database.url });
    await session.connect();
    const pagesRead: number[] = [];
    const few = (size?.pages ?? 0) / 5;
    try {
      await session.query(`${RELAY_SESSION_SETTINGS}; SET plan_cache_mode = force_generic_plan`);
      const due = dueRowsStatement('svc', 500);
      await session.query(`PREPARE due(uuid[]) AS ${due.text}`);
      // A scan marks an entry dead only once no transaction of the server may still see its
      // row: under load, another test's transaction can hold that back for a while, so reads go
      // on until one has marked them (a bitmap scan never marks: its reads would never drop).
      await waitFor('a read that passes over the dead entries', async () => {
        const { rows } = await session.query<{
          'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number } }];
        }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) EXECUTE due('{}')`);
        pagesRead.push(rows[0]?.['QUERY PLAN'][0].Plan['Shared Hit Blocks'] ?? Infinity);
        return pagesRead.length > 1 && (pagesRead.at(-1) ?? Infinity) < few;
      });
    } finally {
      await session.end();
    }

    // Then a later read touches a few index pages, not the rows' pages
    expect(size?.pages).toBeGreaterThan(50);
    expect(pagesRead.at(-1)).toBeLessThan(few);
  });
});
