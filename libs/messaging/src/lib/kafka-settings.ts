import {
  Kafka,
  type KafkaAdmin,
  type KafkaLogEntry,
  KafkaLogLevel,
} from './external/kafka.interface';

/** Where kafkajs's own log lines go: the service's structured logger. */
export type KafkaLogSink = (
  level: 'error' | 'warn' | 'info' | 'debug',
  message: string,
  extra: object,
) => void;

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Prepended to every topic and group name; lets several stacks or test runs share a cluster. */
  readonly namePrefix: string;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

export function createKafka(settings: KafkaSettings, sink?: KafkaLogSink): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    logLevel: KafkaLogLevel.WARN,
    ...(sink
      ? {
          logCreator:
            () =>
            ({ level, log }: KafkaLogEntry) => {
              const { message, timestamp: _timestamp, logger: _logger, ...extra } = log;
              sink(LEVELS[level] ?? 'info', `kafkajs: ${message}`, extra);
            },
        }
      : {}),
    // Backoff capped at 5 s (kafkajs's default is 30 s), so a broker back from an outage is
    // found within seconds rather than half a minute.
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

export function physicalName(settings: Pick<KafkaSettings, 'namePrefix'>, name: string): string {
  return `${settings.namePrefix}${name}`;
}

/**
 * Creates the topics if they do not exist yet; existing topics are left as they are. Several
 * services start at once and race to create the same topics: losing that race is success.
 */
export async function ensureTopics(
  admin: KafkaAdmin,
  topics: readonly string[],
  numPartitions = 3,
): Promise<void> {
  const missing = async () => {
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  };
  const toCreate = await missing();
  if (toCreate.length === 0) return;
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: toCreate.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
    });
  } catch (err) {
    const stillMissing = await missing();
    if (stillMissing.length > 0) throw err;
  }
}
