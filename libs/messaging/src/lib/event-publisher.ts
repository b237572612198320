import {
  type Kafka,
  type KafkaProducer,
  Partitioners,
  type TopicMessages,
} from './external/kafka.interface';

/**
 * The idempotent producer: with `idempotent` the broker drops retried duplicates and keeps
 * per-partition order, which needs at most one request in flight.
 */
export class EventPublisher {
  private readonly producer: KafkaProducer;
  private connected = false;

  constructor(kafka: Kafka) {
    // The default (murmur2, Java-compatible) partitioner: a key lands where Java clients put it.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Unbounded retries keep the broker's sequence numbers valid (kafkajs warns otherwise);
      // callers bound how long they wait for a send instead.
      retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000 },
    });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    await this.producer.connect();
    this.connected = true;
  }

  async sendBatch(topicMessages: TopicMessages[]): Promise<void> {
    await this.connect();
    await this.producer.sendBatch({ acks: -1, topicMessages });
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
