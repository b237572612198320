import { type KafkaHeaders, type KafkaMessage } from '../external/kafka.interface';

export const DeadLetterHeaders = {
  originalTopic: 'x-original-topic',
  originalPartition: 'x-original-partition',
  originalOffset: 'x-original-offset',
  /** The consumer group that gave up on it: each group that consumes the topic decides alone. */
  consumerGroup: 'x-consumer-group',
  errorCode: 'x-error-code',
  errorMessage: 'x-error-message',
  failedAt: 'x-failed-at',
  attempts: 'x-attempts',
} as const;

export interface DeadLetterReason {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly consumerGroup: string;
  readonly code: string;
  readonly message: string;
  readonly attempts: number;
}

/** The original bytes, key and headers, plus headers naming where it came from and why it failed. */
export function deadLetterMessage(
  original: { key: Buffer | null; value: Buffer | null; headers?: KafkaHeaders },
  reason: DeadLetterReason,
): KafkaMessage {
  return {
    key: original.key,
    value: original.value,
    headers: {
      ...original.headers,
      [DeadLetterHeaders.originalTopic]: reason.topic,
      [DeadLetterHeaders.originalPartition]: String(reason.partition),
      [DeadLetterHeaders.originalOffset]: reason.offset,
      [DeadLetterHeaders.consumerGroup]: reason.consumerGroup,
      [DeadLetterHeaders.errorCode]: reason.code,
      [DeadLetterHeaders.errorMessage]: reason.message.slice(0, 2000),
      [DeadLetterHeaders.failedAt]: new Date().toISOString(),
      [DeadLetterHeaders.attempts]: String(reason.attempts),
    },
  };
}
