import {
  ContractViolationError,
  type DomainEvent,
  deadLetterTopicOf,
  parseEvent,
} from '@switchyard/contracts';
import { nextAttemptDelay, retryPolicy, type RetryPolicy } from '@switchyard/retry';
import { type EventPublisher } from '../event-publisher';
import {
  type EachMessagePayload,
  type Kafka,
  type KafkaConsumer,
} from '../external/kafka.interface';
import { deadLetterMessage } from './dead-letter';
import { UnprocessableEventError } from './consumer-errors';

export interface ConsumedEventContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export type EventHandler = (event: DomainEvent, context: ConsumedEventContext) => Promise<void>;

export interface EventConsumerOptions {
  readonly groupId: string;
  /** Physical topic names (prefix already applied). */
  readonly topics: readonly string[];
  readonly handler: EventHandler;
  /** Retries of one message before it goes to the dead-letter topic. */
  readonly retry?: RetryPolicy;
  readonly onDeadLetter?: (reason: { code: string; message: string; topic: string }) => void;
  readonly onError?: (err: unknown) => void;
}

const DEFAULT_CONSUMER_RETRY = retryPolicy({ scheduleMs: [0, 200, 1000, 3000], jitterRatio: 0.2 });

/**
 * Validates each message against the contracts, hands it to the handler, retries failures with
 * backoff, and dead-letters what still fails, then moves on: a poison message never blocks its
 * partition. Offsets are committed only after a message is handled or dead-lettered.
 */
export class EventConsumer {
  private readonly consumer: KafkaConsumer;
  private readonly retry: RetryPolicy;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly publisher: EventPublisher,
    private readonly options: EventConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 2 * 1024 * 1024,
    });
    this.retry = options.retry ?? DEFAULT_CONSUMER_RETRY;
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({ eachMessage: (payload) => this.handle(payload) });
  }

  /** Stops fetching, lets the message in flight finish, commits its offset, leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect();
  }

  private async handle({
    topic,
    partition,
    message,
    heartbeat,
  }: EachMessagePayload): Promise<void> {
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
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handler(event, context);
        return;
      } catch (err) {
        if (err instanceof UnprocessableEventError) {
          return this.deadLetter(message, context, err.code, err.message, attempt);
        }
        this.options.onError?.(err);
        const delay = nextAttemptDelay(this.retry, { attemptsMade: attempt });
        if (delay === null || this.stopping) {
          if (this.stopping) throw err; // not committed: redelivered after the restart
          return this.deadLetter(message, context, 'handler_failed', String(err), attempt);
        }
        await new Promise((resolve) => setTimeout(resolve, delay));
        await heartbeat();
      }
    }
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
        messages: [deadLetterMessage(message, { ...context, code, message: reason, attempts })],
      },
    ]);
    this.options.onDeadLetter?.({ code, message: reason, topic: context.topic });
  }
}
