// KafkaEventsServer lives in libs/service; it is tested here, where a service can be started in
// the test's process against a fresh database and real Kafka.
import { type DynamicModule, Module } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { createEvent, type DomainEvent, Topics } from '@switchyard/contracts';
import {
  type EventPublisher,
  inboxInsertSql,
  inboxTableDdl,
  outboxTableDdl,
} from '@switchyard/messaging';
import {
  commonEnv,
  EventHandlers,
  InboxContext,
  loadConfig,
  messagingPartitionedTables,
  migrationSchema,
  ServiceCoreModule,
  WRITES_OWN_INBOX_ROW,
} from '@switchyard/service';
import { DependencyUnavailableError } from '@switchyard/retry';
import { MetricsReading, testKafkaBrokers, waitFor } from '@switchyard/testing';
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { type InProcessService, startInProcessService } from './in-process-service';
import { createTestPublisher } from './test-publisher';

class CreateHandled1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(
      `CREATE TABLE "${schema}".handled (event_id uuid NOT NULL, handler text NOT NULL,
         txid bigint NOT NULL DEFAULT txid_current())`,
    );
    for (const ddl of [...outboxTableDdl(schema), ...inboxTableDdl(schema)]) {
      await queryRunner.query(ddl);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(
      `DROP TABLE "${schema}".inbox, "${schema}".outbox, "${schema}".handled`,
    );
  }
}

/** Events whose first try fails after the handler wrote: the write must not survive it. */
const failedOnce = new Set<string>();
/** Events whose first try meets the database unavailable: an outage, not the event's fault. */
const outageOnce = new Set<string>();

@EventHandlers()
class ProbeHandlers {
  @EventPattern('order.paid')
  async onPaid(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    await record(context, event, 'order.paid');
  }

  /** Writes its inbox row and its effect in one statement when the event comes alone. */
  @EventPattern('order.refunded', WRITES_OWN_INBOX_ROW)
  async onRefunded(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    const row = context.inboxRow;
    if (!row) return record(context, event, 'order.refunded in the inbox transaction');
    const inTransaction = context.manager.queryRunner?.isTransactionActive === true;
    const [{ fresh }]: { fresh: boolean }[] = await context.manager.query(
      `WITH inbox AS (${inboxInsertSql('kevents', ['$1', '$2', '$3'])}),
       effect AS (INSERT INTO kevents.handled (event_id, handler)
         SELECT $2, $4 WHERE EXISTS (SELECT 1 FROM inbox))
       SELECT EXISTS (SELECT 1 FROM inbox) AS fresh`,
      [
        ...row.params,
        `order.refunded with its own row${inTransaction ? ', in a transaction' : ''}`,
      ],
    );
    row.took(fresh);
  }

  @EventPattern('order.*')
  async onOrder(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    await record(context, event, 'order.*');
    if (event.type === 'order.cancelled' && !failedOnce.has(event.id)) {
      failedOnce.add(event.id);
      throw new Error('a transient failure after the write');
    }
    if (event.type === 'order.fulfilled' && !outageOnce.has(event.id)) {
      outageOnce.add(event.id);
      throw new DependencyUnavailableError('postgres', 'the database is restarting');
    }
  }
}

async function record(context: InboxContext, event: DomainEvent, handler: string): Promise<void> {
  await context.manager.query('INSERT INTO kevents.handled (event_id, handler) VALUES ($1, $2)', [
    event.id,
    handler,
  ]);
}

@Module({})
class ProbeServiceModule {
  static forRoot(env: Record<string, string>): DynamicModule {
    const config = loadConfig(commonEnv({ port: 0, schema: 'kevents', clientId: 'kevents' }), env);
    return {
      module: ProbeServiceModule,
      imports: [
        ServiceCoreModule.forRoot({
          name: 'kevents',
          config,
          migrations: [CreateHandled1700000000000],
          partitionedTables: messagingPartitionedTables,
          consumer: 'probe',
        }),
      ],
      controllers: [ProbeHandlers],
    };
  }
}

describe('Kafka events as a Nest transport: @EventPattern handlers (real Kafka and Postgres)', () => {
  let service: InProcessService;
  let publisher: EventPublisher;

  beforeAll(async () => {
    service = await startInProcessService('kevents', (env) => ProbeServiceModule.forRoot(env));
    publisher = await createTestPublisher(service.kafkaPrefix, [
      Topics.ordersEvents,
      Topics.paymentsEvents,
    ]);
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
  });

  const orderId = () => randomUUID();

  async function publish(...events: DomainEvent[]): Promise<void> {
    await publisher.sendBatch([
      {
        topic: `${service.kafkaPrefix}${Topics.ordersEvents}`,
        messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e) })),
      },
    ]);
  }

  async function handlersOf(eventId: string): Promise<string[]> {
    const rows: { handler: string }[] = await service.dataSource.query(
      'SELECT handler FROM kevents.handled WHERE event_id = $1 ORDER BY handler',
      [eventId],
    );
    return rows.map((r) => r.handler);
  }

  const handled = (event: DomainEvent) =>
    waitFor(`${event.type} ${event.id} to be handled`, async () => {
      const handlers = await handlersOf(event.id);
      return handlers.length > 0 ? handlers : undefined;
    });

  const cancelled = (id: string) =>
    createEvent('order.cancelled', id, { orderId: id, reason: null });
  const created = (id: string) =>
    createEvent('order.created', id, {
      orderId: id,
      customerId: 'cus_1',
      currency: 'usd',
      amountTotal: 100,
      lines: [{ sku: 'lamp', quantity: 1, unitPrice: 100 }],
    });

  it("hands each event to its most specific handler: order.paid to its own, order.created to the family's", async () => {
    // Given handlers for order.paid and for order.*
    const id = orderId();
    const paid = createEvent('order.paid', id, {
      orderId: id,
      amount: 100,
      currency: 'usd',
      paymentIntentId: 'pi_1',
      paidAt: new Date().toISOString(),
    });

    const placed = created(id);

    // When an order.created and an order.paid arrive
    await publish(placed, paid);

    // Then each went to one handler, the most specific
    expect(await handled(paid)).toEqual(['order.paid']);
    expect(await handled(placed)).toEqual(['order.*']);
  });

  it('applies an event once however often it arrives (the inbox, in the handler’s transaction)', async () => {
    // Given one order.created sent three times, then a marker event after it
    const event = created(orderId());
    const marker = created(orderId());

    // When they are consumed
    await publish(event, event, event, marker);
    await handled(marker);

    // Then the handler's write happened once
    expect(await handlersOf(event.id)).toEqual(['order.*']);
  });

  it("rolls back a handler's writes when it throws, retries the event, and counts the retry", async () => {
    // Given a handler that writes, then fails on its first try
    const event = cancelled(orderId());
    const before = await MetricsReading.of(service.url);

    // When the event arrives
    await publish(event);

    // Then the retry succeeded and only its write remains
    expect(await handled(event)).toEqual(['order.*']);
    expect(failedOnce.has(event.id)).toBe(true);
    // and /metrics counts one retry and one applied event for the consumer
    const after = await waitFor('the applied event to be counted', async () => {
      const now = await MetricsReading.of(service.url);
      const applied = { consumer: 'probe', event_type: 'order.cancelled', outcome: 'applied' };
      return now.value('switchyard_events_handled_total', applied) -
        before.value('switchyard_events_handled_total', applied) ===
        1
        ? now
        : undefined;
    });
    const retries = { consumer: 'probe', topic: Topics.ordersEvents };
    expect(
      after.value('switchyard_event_handler_retries_total', retries) -
        before.value('switchyard_event_handler_retries_total', retries),
    ).toBe(1);
  });

  it('holds an event through an outage without spending a retry, and counts the wait', async () => {
    // Given a handler that meets the database unavailable on its first try
    const id = orderId();
    const event = createEvent('order.fulfilled', id, {
      orderId: id,
      fulfilledAt: new Date().toISOString(),
    });
    const before = await MetricsReading.of(service.url);

    // When the event arrives
    await publish(event);

    // Then it is applied once the database answers, one outage wait is counted and no retry
    expect(await handled(event)).toEqual(['order.*']);
    const after = await waitFor('the applied event to be counted', async () => {
      const now = await MetricsReading.of(service.url);
      const applied = { consumer: 'probe', event_type: 'order.fulfilled', outcome: 'applied' };
      return now.value('switchyard_events_handled_total', applied) -
        before.value('switchyard_events_handled_total', applied) ===
        1
        ? now
        : undefined;
    });
    const increase = (name: string) =>
      after.value(name, { consumer: 'probe' }) - before.value(name, { consumer: 'probe' });
    expect(increase('switchyard_event_outage_waits_total')).toBe(1);
    expect(increase('switchyard_event_handler_retries_total')).toBe(0);
  });

  it('consumes only the topics its handlers name', async () => {
    // Given handlers for order events only, and the consumer running (an event was handled)
    const marker = created(orderId());
    await publish(marker);
    await handled(marker);

    // When the consumer group is described
    const kafka = new Kafka({ brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const groupId = `${service.kafkaPrefix}kevents.probe`;
      const { groups } = await admin.describeGroups([groupId]);
      const topics = groups[0]!.members.flatMap((member) =>
        Object.keys(AssignerProtocol.MemberAssignment.decode(member.memberAssignment)!.assignment),
      );

      // Then it is assigned the orders topic and not the payments topic
      expect([...new Set(topics)]).toEqual([`${service.kafkaPrefix}${Topics.ordersEvents}`]);
    } finally {
      await admin.disconnect();
    }
  });

  async function transactionsOf(events: DomainEvent[]): Promise<number> {
    const [{ n }]: { n: number }[] = await service.dataSource.query(
      'SELECT count(DISTINCT txid)::int AS n FROM kevents.handled WHERE event_id = ANY($1::uuid[])',
      [events.map((e) => e.id)],
    );
    return n;
  }

  it('takes in a burst of one partition in fewer transactions than events, each event once', async () => {
    // Given 20 events of one order, produced together (one partition, one fetch)
    const id = orderId();
    const burst = Array.from({ length: 20 }, () => created(id));

    // When they are consumed
    await publish(...burst);
    for (const event of burst) await handled(event);

    // Then each was handled once, and they shared transactions
    for (const event of burst) expect(await handlersOf(event.id)).toEqual(['order.*']);
    expect(await transactionsOf(burst)).toBeLessThan(burst.length);
  });

  it('takes a burst one event at a time when one of its events fails, so the others are not held back or repeated', async () => {
    // Given a burst whose middle event fails on its first try
    const id = orderId();
    const burst = [created(id), created(id), cancelled(id), created(id), created(id)];

    // When they are consumed
    await publish(...burst);
    for (const event of burst) await handled(event);

    // Then every event was applied once, the failing one after its retry
    for (const event of burst) expect(await handlersOf(event.id)).toEqual(['order.*']);
    expect(failedOnce.has(burst[2]!.id)).toBe(true);
  });

  it('lets a handler declared WRITES_OWN_INBOX_ROW write the inbox row with its effect, with no transaction, and a copy changes nothing', async () => {
    // Given a handler for order.refunded that writes its own inbox row
    const id = orderId();
    const refunded = createEvent('order.refunded', id, {
      orderId: id,
      amountRefunded: 100,
      currency: 'usd',
      fullyRefunded: true,
    });
    const before = await MetricsReading.of(service.url);

    // When the event arrives alone, then a copy of it, then a marker on the same key
    await publish(refunded);
    expect(await handled(refunded)).toEqual(['order.refunded with its own row']);
    const marker = created(id);
    await publish(refunded);
    await publish(marker);
    await handled(marker);

    // Then its effect happened once, outside any transaction, and the copy counted as a duplicate
    expect(await handlersOf(refunded.id)).toEqual(['order.refunded with its own row']);
    await waitFor('the copy to be counted a duplicate', async () => {
      const now = await MetricsReading.of(service.url);
      const duplicate = { consumer: 'probe', event_type: 'order.refunded', outcome: 'duplicate' };
      return (
        now.value('switchyard_events_handled_total', duplicate) -
          before.value('switchyard_events_handled_total', duplicate) ===
        1
      );
    });
  });

  it('gives such a handler the inbox transaction for events that come in a batch, each event once', async () => {
    // Given 20 order.refunded events of one order, produced together (one partition, one fetch)
    const id = orderId();
    const burst = Array.from({ length: 20 }, () =>
      createEvent('order.refunded', id, {
        orderId: id,
        amountRefunded: 100,
        currency: 'usd',
        fullyRefunded: true,
      }),
    );

    // When they are consumed
    await publish(...burst);
    for (const event of burst) await handled(event);

    // Then each was handled once, and those taken together got the transaction, not their own row
    const handlers = await Promise.all(burst.map((event) => handlersOf(event.id)));
    for (const h of handlers) expect(h).toHaveLength(1);
    expect(handlers.flat()).toContain('order.refunded in the inbox transaction');
  });
});
