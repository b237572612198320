import {
  ContractViolationError,
  type DomainEvent,
  deadLetterTopicOf,
  parseEvent,
} from '@switchyard/contracts';
import {
  isDependencyFailure,
  nextAttemptDelay,
  outageBackoffMs,
  retryPolicy,
  type RetryPolicy,
} from '@switchyard/retry';
import { type EventPublisher } from '../event-publisher';
import {
  type EachBatchPayload,
  type EachMessagePayload,
  type Kafka,
  type KafkaConsumer,
} from '../external/kafka.interface';
import { sleepUnless } from '../wakeable-sleep';
import { deadLetterMessage } from './dead-letter';
import { OffsetCommits } from './offset-commits';
import { UnprocessableEventError } from './consumer-errors';

export interface ConsumedEventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type EventHandler = (event: DomainEvent, context: ConsumedEventContext) => Promise<void>;

/** One partition's events, in offset order, handled all or nothing (one transaction). */
export type EventBatchHandler = (
  events: readonly { readonly event: DomainEvent; readonly context: ConsumedEventContext }[],
) => Promise<void>;

export interface EventConsumerOptions {
  readonly groupId: string;
  /** Physical topic names (prefix already applied). */
  readonly topics: readonly string[];
  readonly handler: EventHandler;
  /**
   * Handles the messages of one fetch together, all or nothing. When it throws, the consumer
   * takes the same messages one at a time through `handler`, so retries, outages and dead
   * letters work per message exactly as without it.
   */
  readonly batchHandler?: EventBatchHandler;
  /** Retries of one message before it goes to the dead-letter topic. */
  readonly retry?: RetryPolicy;
  /**
   * Whether the handler's own dependencies (its database) answer right now. A failure while they
   * do not is an outage, not the message's fault: it is retried without spending the budget.
   */
  readonly dependenciesHealthy?: () => Promise<boolean>;
  /**
   * How long the group waits for a member that stopped heartbeating (a killed process) before
   * its partitions go to the others. Kafka's broker refuses less than 6 s by default.
   */
  readonly sessionTimeoutMs?: number;
  /**
   * How often handled offsets are committed (0: after every message or batch handled). A crash
   * leaves up to this much handled but uncommitted; it is read again, and the inbox makes it
   * change nothing. A stop and a rebalance commit at once.
   */
  readonly commitIntervalMs?: number;
  /** A commit of handled offsets failed; it is tried again. */
  readonly onCommitError?: (err: unknown) => void;
  readonly onDeadLetter?: (reason: { code: string; message: string; topic: string }) => void;
  /** A handler failure that will be retried (not the last, which is dead-lettered), and its topic. */
  readonly onError?: (err: unknown, topic: string) => void;
  /** Called while a dependency outage holds a message back, once per wait. */
  readonly onOutage?: (err: unknown, waitMs: number) => void;
}

const DEFAULT_CONSUMER_RETRY = retryPolicy({ scheduleMs: [0, 200, 1000, 3000], jitterRatio: 0.2 });
const DEFAULT_SESSION_TIMEOUT_MS = 6000;
const DEFAULT_COMMIT_INTERVAL_MS = 1000;
const PARTITIONS_CONSUMED_CONCURRENTLY = 4;
/** The most messages handled in one transaction. */
const MAX_BATCH = 100;

/** Thrown out of a handler loop that a stop interrupted: the message stays uncommitted. */
class ConsumerStoppingError extends Error {
  override readonly name = 'ConsumerStoppingError';
}

/**
 * Validates each message against the contracts, hands it to the handler, retries failures with
 * backoff, and dead-letters what still fails, then moves on: a poison message never blocks its
 * partition. An outage is not a poison message: while the database or broker is unreachable the
 * message is held, its partition waits, the member keeps heartbeating, and nothing is
 * dead-lettered. Offsets are committed only after a message is handled or dead-lettered.
 */
export class EventConsumer {
  private readonly consumer: KafkaConsumer;
  private readonly retry: RetryPolicy;
  private readonly stopping = new AbortController();
  private readonly commits: OffsetCommits;
  /** Batches being handled, so a stop commits only after they end. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly options: EventConsumerOptions,
  ) {
    const sessionTimeout = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
    // A few heartbeats per session, so one lost on a busy event loop does not evict the member.
    const heartbeatInterval = Math.max(500, Math.floor(sessionTimeout / 6));
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval,
      // An idle member heartbeats only between fetches: a short long-poll lets it hear of a
      // rebalance (a member gone or joining) within a second instead of five.
      maxWaitTimeInMs: heartbeatInterval,
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
    this.retry = options.retry ?? DEFAULT_CONSUMER_RETRY;
    this.commits = new OffsetCommits(
      (offsets) => this.consumer.commitOffsets([...offsets]),
      options.commitIntervalMs ?? DEFAULT_COMMIT_INTERVAL_MS,
      options.onCommitError,
    );
    const { GROUP_JOIN, REBALANCING } = this.consumer.events;
    // What was handled before a rebalance is committed while this member still owns it; after
    // it, what it no longer owns is forgotten (its new owner reads from the last commit).
    this.consumer.on(REBALANCING, () => void this.commits.flush());
    this.consumer.on(GROUP_JOIN, ({ payload }) => {
      const owned = payload.memberAssignment;
      this.commits.retain((topic, partition) => owned[topic]?.includes(partition) ?? false);
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      // Partitions are handled side by side (each still in order): a member that takes over a
      // crashed one's partitions drains them together instead of one after another.
      partitionsConsumedConcurrently: PARTITIONS_CONSUMED_CONCURRENTLY,
      // Offsets are resolved as messages are handled, so a stop or rebalance mid-batch keeps
      // what was done and hands over the rest.
      eachBatchAutoResolve: false,
      // Offsets are committed by `commits`, once per interval, not after every fetch.
      autoCommit: false,
      eachBatch: (payload) => this.track(this.handleBatch(payload)),
    });
  }

  /** Stops fetching, lets the message in flight finish, commits its offset, leaves the group. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.allSettled([...this.inFlight]);
    await this.commits.close();
    await this.consumer.disconnect();
  }

  private async track(batch: Promise<void>): Promise<void> {
    this.inFlight.add(batch);
    try {
      await batch;
    } finally {
      this.inFlight.delete(batch);
    }
  }

  /**
   * A fetch's messages, in order: together through `batchHandler` when there is more than one,
   * else (or when the batch fails) one at a time.
   */
  private async handleBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition } = batch;
    const live = () => isRunning() && !isStale() && !this.stopping.signal.aborted;
    for (let start = 0; start < batch.messages.length && live(); start += MAX_BATCH) {
      const chunk = batch.messages.slice(start, start + MAX_BATCH);
      if (chunk.length > 1 && (await this.handleTogether(topic, partition, chunk))) {
        const last = (chunk[chunk.length - 1] as EachMessagePayload['message']).offset;
        resolveOffset(last);
        await this.commits.handled(topic, partition, last);
      } else {
        for (const message of chunk) {
          if (!live()) return;
          await this.handle({ topic, partition, message, heartbeat });
          resolveOffset(message.offset);
          await this.commits.handled(topic, partition, message.offset);
        }
      }
      await heartbeat();
    }
  }

  /** True when every message was valid and the batch handler took them all. */
  private async handleTogether(
    topic: string,
    partition: number,
    messages: readonly EachMessagePayload['message'][],
  ): Promise<boolean> {
    const batchHandler = this.options.batchHandler;
    if (!batchHandler) return false;
    const events = [];
    for (const message of messages) {
      try {
        events.push({
          event: parseEvent(message.value ?? Buffer.alloc(0)),
          context: { topic, partition, offset: message.offset },
        });
      } catch {
        return false; // dead-lettered on the way through one at a time
      }
    }
    try {
      await batchHandler(events);
      return true;
    } catch (err) {
      if (this.stopping.signal.aborted) throw new ConsumerStoppingError('stopping', { cause: err });
      return false;
    }
  }

  private async handle({
    topic,
    partition,
    message,
    heartbeat,
  }: Omit<EachMessagePayload, 'pause'>): Promise<void> {
    const context = { topic, partition, offset: message.offset };
    let event: DomainEvent;
    try {
      event = parseEvent(message.value ?? Buffer.alloc(0));
    } catch (err) {
      const violation = err as ContractViolationError;
      return this.deadLetter(
        message,
        context,
        violation.code ?? 'invalid',
        String(violation.message),
        1,
      );
    }
    let attempts = 0;
    let outages = 0;
    for (;;) {
      try {
        await this.options.handler(event, context);
        return;
      } catch (err) {
        if (err instanceof UnprocessableEventError) {
          return this.deadLetter(message, context, err.code, err.message, attempts + 1);
        }
        if (this.stopping.signal.aborted)
          throw new ConsumerStoppingError('stopping', { cause: err });
        if (await this.isOutage(err)) {
          outages++;
          const wait = outageBackoffMs(outages);
          this.options.onOutage?.(err, wait);
          await this.pauseFor(wait, heartbeat);
          continue;
        }
        outages = 0;
        attempts++;
        const delay = nextAttemptDelay(this.retry, { attemptsMade: attempts });
        if (delay === null) {
          return this.deadLetter(message, context, 'handler_failed', String(err), attempts);
        }
        this.options.onError?.(err, topic);
        await this.pauseFor(delay, heartbeat);
      }
    }
  }

  private async isOutage(err: unknown): Promise<boolean> {
    if (isDependencyFailure(err)) return true;
    const healthy = this.options.dependenciesHealthy;
    if (!healthy) return false;
    return !(await healthy().catch(() => false));
  }

  /**
   * Waits before the next try while staying in the group. A stop cuts the wait short and leaves
   * the message uncommitted; a rebalance (thrown by heartbeat) hands it to the new owner.
   */
  private async pauseFor(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const signal = this.stopping.signal;
    const deadline = Date.now() + ms;
    while (!signal.aborted && Date.now() < deadline) {
      await sleepUnless(Math.min(1000, deadline - Date.now()), signal);
      await heartbeat();
    }
    if (signal.aborted) throw new ConsumerStoppingError('stopping');
  }

  private async deadLetter(
    message: EachMessagePayload['message'],
    context: ConsumedEventContext,
    code: string,
    reason: string,
    attempts: number,
  ): Promise<void> {
    const dlq = deadLetterTopicOf(context.topic);
    await this.publisher.sendBatch([
      {
        topic: dlq,
        messages: [
          deadLetterMessage(message, {
            ...context,
            consumerGroup: this.options.groupId,
            code,
            message: reason,
            attempts,
          }),
        ],
      },
    ]);
    this.options.onDeadLetter?.({ code, message: reason, topic: context.topic });
  }
}
