import { Inject, Injectable, Optional } from '@nestjs/common';
import { type CustomTransportStrategy, type MessageHandler, Server } from '@nestjs/microservices';
import { type DomainEvent, patternsMatching, topicsOfPattern } from '@switchyard/contracts';
import {
  type ConsumedEventContext,
  EventConsumer,
  handleBatchOnce,
  handleOnce,
  InboxRow,
  consumerGroupLag,
  type InboxResult,
  sleepUnless,
  SpanKind,
  startSpan,
  withinSpan,
  traceIdOf,
} from '@switchyard/messaging';
import { PinoLogger } from 'nestjs-pino';
import { lastValueFrom } from 'rxjs';
import { DataSource, type EntityManager } from 'typeorm';
import { type CommonEnv } from '../config/common-env';
import { gauge, releaseGauges } from '../health/metrics';
import { EVENT_CONSUMER, SERVICE_CONFIG } from '../service-config.token';
import { InboxContext, WRITES_OWN_INBOX_ROW } from './inbox-context';
import {
  eventHandlerDuration,
  eventHandlerRetriesTotal,
  eventOutageWaitsTotal,
  eventsDeadLetteredTotal,
  eventsHandledTotal,
} from './messaging.metrics';
import { MessagingRuntime } from './messaging.runtime';

/**
 * Kafka as a Nest microservice transport, for `@EventPattern('payment.succeeded')` handlers
 * (a type, a family such as 'order.*', or '*'). It consumes the topics its handlers' patterns
 * need, with one consumer group per service, and for each message: validates it against the
 * contracts, opens the inbox transaction (a redelivered event changes nothing) and hands the
 * event and that transaction (`InboxContext`) to the most specific matching handler (or, to a
 * handler declared `WRITES_OWN_INBOX_ROW` taking an event alone, no transaction and the event's
 * `InboxRow` to write with its effects); retries with backoff, holds the message through an
 * outage, and dead-letters what still fails (`EventConsumer`). Events no handler matches are
 * skipped. Why not Nest's own `ServerKafka`: decision 0006.
 */
@Injectable()
export class KafkaEventsServer extends Server implements CustomTransportStrategy {
  private consumer: EventConsumer | null = null;
  private starting: Promise<void> = Promise.resolve();
  private readonly stopped = new AbortController();
  /** Each event type's handler (or none), as `handlerFor` found it. */
  private readonly handlerOfType = new Map<string, MessageHandler | null>();

  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
    @Optional() @Inject(EVENT_CONSUMER) private readonly consumerName: string | null,
    private readonly log: PinoLogger,
  ) {
    super();
    log.setContext('events');
    runtime.stopBeforeRelay(() => this.close());
  }

  /** Starts consuming in the background once Kafka answers; the service boots meanwhile. */
  listen(callback: () => void): void {
    const patterns = [...this.getHandlers().keys()];
    if (patterns.length > 0) {
      if (!this.consumerName) {
        throw new Error(
          `@EventPattern handlers (${patterns.join(', ')}) need a consumer name: pass \`consumer\` to ServiceCoreModule.forRoot`,
        );
      }
      const topics = [...new Set(patterns.flatMap(topicsOfPattern))];
      this.starting = this.startWhenReady(this.consumerName, topics);
    }
    callback();
  }

  async close(): Promise<void> {
    this.stopped.abort();
    releaseGauges(this);
    await this.starting;
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.stop();
  }

  on(): never {
    throw new Error('KafkaEventsServer has no events to listen to');
  }

  unwrap<T>(): T {
    return this.consumer as T;
  }

  private async startWhenReady(name: string, topics: readonly string[]): Promise<void> {
    await Promise.race([this.runtime.ready, abortion(this.stopped.signal)]);
    if (this.stopped.signal.aborted) return;
    const groupId = this.runtime.topic(`${this.config.KAFKA_CLIENT_ID}.${name}`);
    const physicalTopics = topics.map((t) => this.runtime.topic(t));
    const consumer = new EventConsumer(this.runtime.kafka, this.runtime.publisher, {
      groupId,
      topics: physicalTopics,
      handler: (event, source) => this.dispatch(name, event, source),
      batchHandler: (events) => this.dispatchTogether(name, events),
      dependenciesHealthy: () => this.databaseAnswers(),
      sessionTimeoutMs: this.config.KAFKA_SESSION_TIMEOUT_MS,
      commitIntervalMs: this.config.KAFKA_COMMIT_INTERVAL_MS,
      onCommitError: (err) =>
        this.log.warn({ err }, 'committing consumed offsets failed; retrying'),
      onDeadLetter: (reason) => {
        eventsDeadLetteredTotal.inc({
          consumer: name,
          topic: this.runtime.logicalTopic(reason.topic),
          code: reason.code,
        });
        this.log.warn(reason, 'event sent to the dead-letter topic');
      },
      onError: (err, topic) => {
        eventHandlerRetriesTotal.inc({ consumer: name, topic: this.runtime.logicalTopic(topic) });
        this.log.warn({ err }, 'event handler failed; retrying');
      },
      onOutage: (err, waitMs) => {
        eventOutageWaitsTotal.inc({ consumer: name });
        this.log.warn(
          { err: String(err), waitMs },
          'a dependency is unavailable; holding the message and retrying',
        );
      },
    });
    this.measureLag(name, groupId, physicalTopics);
    for (let attempt = 1; !this.stopped.signal.aborted; attempt++) {
      try {
        await consumer.start();
        this.consumer = consumer;
        this.log.info({ topics, group: name }, 'consuming');
        return;
      } catch (err) {
        this.log.error({ err, attempt }, 'the consumer could not start; retrying in 2 s');
        await consumer.stop().catch(() => undefined);
        await sleepUnless(2000, this.stopped.signal);
      }
    }
  }

  /** Runs the event's handler in its inbox transaction; an event no handler matches is skipped. */
  private async dispatch(
    name: string,
    event: DomainEvent,
    source: ConsumedEventContext,
  ): Promise<void> {
    const handler = this.handlerFor(event.type);
    if (!handler) return;
    const timer = eventHandlerDuration.startTimer({ consumer: name });
    const outcome = writesOwnInboxRow(handler)
      ? await this.applyWithOwnRow(name, handler, event, source)
      : await handleOnce(this.dataSource, this.config.DB_SCHEMA, name, event, (manager) =>
          this.apply(handler, manager, event, source),
        );
    timer();
    this.countHandled(name, event, outcome);
    this.logHandled(event, source, outcome);
  }

  /**
   * A partition's fetch in one inbox transaction (one commit, not one per event); the consumer
   * falls back to `dispatch` one event at a time when it throws.
   */
  private async dispatchTogether(
    name: string,
    batch: readonly { readonly event: DomainEvent; readonly context: ConsumedEventContext }[],
  ): Promise<void> {
    const routed = batch.flatMap(({ event, context }) => {
      const handler = this.handlerFor(event.type);
      return handler ? [{ event, context, handler }] : [];
    });
    if (routed.length === 0) return;
    const timer = eventHandlerDuration.startTimer({ consumer: name });
    const outcomes = await handleBatchOnce(
      this.dataSource,
      this.config.DB_SCHEMA,
      name,
      routed.map((r) => r.event),
      (manager, event, i, applying) => {
        const { handler, context } = routed[i] as (typeof routed)[number];
        return this.apply(handler, manager, event, context, null, applying);
      },
    );
    timer();
    routed.forEach(({ event, context }, i) => {
      this.countHandled(name, event, outcomes[i] as InboxResult);
      this.logHandled(event, context, outcomes[i] as InboxResult);
    });
  }

  /** No transaction: the handler writes the inbox row with its effects (`InboxRow`). */
  private async applyWithOwnRow(
    name: string,
    handler: MessageHandler,
    event: DomainEvent,
    source: ConsumedEventContext,
  ): Promise<InboxResult> {
    const row = new InboxRow(this.dataSource, this.config.DB_SCHEMA, name, event);
    await this.apply(handler, this.dataSource.manager, event, source, row);
    return row.outcome;
  }

  /**
   * Runs the handler in a consumer span under the event's trace: its queries, its log lines and
   * the events it causes join the trace that began at the event's origin (a webhook, an API call).
   */
  private async apply(
    handler: MessageHandler,
    manager: EntityManager,
    event: DomainEvent,
    source: ConsumedEventContext,
    inboxRow: InboxRow | null = null,
    batch: readonly DomainEvent[] = [event],
  ): Promise<void> {
    const span = startSpan(`consume ${event.type}`, event.traceparent, SpanKind.CONSUMER, {
      'messaging.system': 'kafka',
      'messaging.destination.name': source.topic,
      'messaging.destination.partition.id': String(source.partition),
      'messaging.kafka.offset': Number(source.offset),
      'messaging.message.id': event.id,
    });
    await withinSpan(span, async () => {
      const result = await handler(event, new InboxContext([manager, source, inboxRow, batch]));
      await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
    });
  }

  /**
   * Consumer lag per partition, read from the broker at scrape time (the group's committed
   * offsets against the partitions' ends), so a consumer that is stuck or gone still shows its
   * lag growing, which figures kept by the consumer itself would not.
   */
  private measureLag(consumer: string, groupId: string, topics: readonly string[]): void {
    gauge(
      'switchyard_kafka_consumer_lag_messages',
      "Messages between the consumer group's committed offset and the end of each partition",
      ['consumer', 'topic', 'partition'],
      async (g) => {
        const lags = await this.runtime.withAdmin('metrics', (admin) =>
          consumerGroupLag(admin, groupId, topics),
        );
        g.reset();
        for (const { topic, partition, lag } of lags) {
          g.set({ consumer, topic: this.runtime.logicalTopic(topic), partition }, lag);
        }
      },
      this,
    );
  }

  private countHandled(consumer: string, event: DomainEvent, outcome: InboxResult): void {
    eventsHandledTotal.inc({ consumer, event_type: event.type, outcome });
  }

  private logHandled(event: DomainEvent, source: ConsumedEventContext, outcome: InboxResult): void {
    this.log.info(
      {
        eventId: event.id,
        eventType: event.type,
        trace_id: traceIdOf(event.traceparent),
        outcome,
        ...source,
      },
      'event handled',
    );
  }

  /**
   * The most specific handler: the event's own type, then its family, then '*'. Found once per
   * type (handlers are all registered before the first event): Nest's lookup tries each pattern
   * as JSON first, and the exception that throws cost more than the rest of routing.
   */
  private handlerFor(type: string): MessageHandler | null {
    let handler = this.handlerOfType.get(type);
    if (handler === undefined) {
      handler = null;
      for (const pattern of patternsMatching(type)) {
        handler = this.getHandlerByPattern(pattern);
        if (handler) break;
      }
      this.handlerOfType.set(type, handler);
    }
    return handler;
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}

function writesOwnInboxRow(handler: MessageHandler): boolean {
  return handler.extras?.['inbox'] === WRITES_OWN_INBOX_ROW.inbox;
}

function abortion(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
