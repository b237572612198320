import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { testKafkaBrokers } from './test-kafka';

export interface RecordedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

function headersOf(message: KafkaMessage): Record<string, string> {
  return Object.fromEntries(
    Object.entries(message.headers ?? {}).map(([k, v]) => [
      k,
      Array.isArray(v) ? String(v[0]) : String(v),
    ]),
  );
}

/** Reads topics from the beginning with its own consumer group and keeps every message. */
export class TopicRecorder {
  readonly messages: RecordedMessage[] = [];
  private readonly kafka: Kafka;
  private readonly consumer;

  constructor(
    private readonly topics: string[],
    brokers: string[] = testKafkaBrokers(),
  ) {
    this.kafka = new Kafka({ clientId: 'topic-recorder', brokers, logLevel: logLevel.NOTHING });
    this.consumer = this.kafka.consumer({ groupId: `recorder-${topics.join('-')}-${Date.now()}` });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        this.messages.push({
          topic,
          partition,
          key: message.key?.toString() ?? null,
          value: message.value?.toString() ?? null,
          headers: headersOf(message),
        });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
