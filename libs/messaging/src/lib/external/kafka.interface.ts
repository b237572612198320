// The kafkajs types this codebase touches, in one place, so a client change stays local.
export {
  Kafka,
  logLevel as KafkaLogLevel,
  type Admin as KafkaAdmin,
  type Consumer as KafkaConsumer,
  type EachBatchPayload,
  type EachMessagePayload,
  type IHeaders as KafkaHeaders,
  type KafkaConfig,
  type LogEntry as KafkaLogEntry,
  Partitioners,
  type Message as KafkaMessage,
  type Producer as KafkaProducer,
  type TopicMessages,
} from 'kafkajs';
