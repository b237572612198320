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

/** Errors a metadata request answers while a new topic is still reaching the broker's cache. */
const NOT_YET_KNOWN = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** The topics could not be made usable; `cause` holds what Kafka last answered. */
export class KafkaTopicsNotReadyError extends Error {
  constructor(
    readonly topics: readonly string[],
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Kafka topics ${topics.join(', ')} are not usable: ${reason}; check that the broker is up ` +
        'and accepts these names and partition counts',
      options,
    );
    this.name = 'KafkaTopicsNotReadyError';
  }
}

/**
 * Creates the topics if they do not exist yet (existing topics are left as they are) and returns
 * once every partition of every topic has a leader. Several services start at once and race to
 * create the same topics: losing that race is success.
 *
 * kafkajs's own `waitForLeaders` gives up on the first UNKNOWN_TOPIC_OR_PARTITION, which a
 * KRaft broker answers for a moment after it has created a topic (its metadata cache lags its
 * controller), so the wait is done here, to a deadline.
 */
export async function ensureTopics(
  admin: KafkaAdmin,
  topics: readonly string[],
  numPartitions = 3,
  readyWithinMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + readyWithinMs;
  const existing = new Set(await admin.listTopics());
  const toCreate = topics.filter((t) => !existing.has(t));
  let createError: unknown;
  if (toCreate.length > 0) {
    await admin
      .createTopics({
        waitForLeaders: false,
        topics: toCreate.map((topic) => ({ topic, numPartitions, replicationFactor: -1 })),
      })
      .catch((err: unknown) => {
        // Another service creating the same topic first surfaces here; the wait decides.
        createError = err;
      });
  }
  await waitForLeaders(admin, topics, deadline, readyWithinMs, createError);
}

async function waitForLeaders(
  admin: KafkaAdmin,
  topics: readonly string[],
  deadline: number,
  withinMs: number,
  createError: unknown,
): Promise<void> {
  let last: unknown = createError;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: [...topics] });
      const led = found.filter(
        (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
      );
      if (led.length === topics.length) return;
    } catch (err) {
      if (!NOT_YET_KNOWN.has((err as { type?: string }).type ?? '')) {
        throw new KafkaTopicsNotReadyError(topics, messageOf(err), { cause: err });
      }
      last = err;
    }
    if (Date.now() >= deadline) {
      const reason = `some partitions had no leader within ${withinMs} ms`;
      throw new KafkaTopicsNotReadyError(topics, last ? `${reason} (${messageOf(last)})` : reason, {
        cause: last,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
