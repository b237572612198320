import { z } from 'zod';
import { logFormat } from './log-format';
import { DEFAULT_PARTITION_DAYS } from '../partitions/partition-bounds';

const brokerList = z
  .string()
  .default('127.0.0.1:9092')
  .transform((s) => s.split(',').map((b) => b.trim()))
  .pipe(
    z
      .array(
        z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port, comma-separated'),
      )
      .min(1),
  );

const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Variables every service reads; each service extends this with its own. */
export function commonEnv(defaults: { port: number; schema: string; clientId: string }) {
  return z.object({
    PORT: z.coerce.number().int().min(1).max(65535).default(defaults.port),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .default('postgres://postgres@127.0.0.1:5432/switchyard'),
    DB_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'lowercase letters, digits and underscores')
      .default(defaults.schema),
    KAFKA_BROKERS: brokerList,
    KAFKA_CLIENT_ID: z.string().min(1).default(defaults.clientId),
    KAFKA_NAME_PREFIX: z
      .string()
      .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
      .default(''),
    /**
     * How long Kafka waits for a consumer that stopped heartbeating (a crashed process) before
     * its partitions move to another instance. Brokers refuse less than 6 s by default.
     */
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(6000),
    /**
     * How often consumers commit the offsets they have handled (0: after each message or batch).
     * A crash leaves up to this much handled but uncommitted, read again and changing nothing
     * (the inbox); each commit is a write to the broker's offsets log.
     */
    KAFKA_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
    LOG_LEVEL: logLevel,
    LOG_FORMAT: logFormat(),
    /**
     * Days the partitioned tables (events in and out, deliveries, inbound webhooks) are kept: at
     * least this long, and up to PARTITION_DAYS days longer, since a partition is dropped
     * whole once its last day is past. Queries that cannot prune visit every partition, hence the
     * upper bound.
     */
    RETENTION_DAYS: z.coerce
      .number({ error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(366, 'must be at most 366 days')
      .default(30),
    /**
     * Days each partition of those tables spans (default 7). Fewer, wider partitions make every
     * statement that cannot prune cheaper to plan and run; narrower ones keep the retention
     * closer to RETENTION_DAYS. A change applies to partitions made from then on.
     */
    PARTITION_DAYS: z.coerce
      .number({ error: 'must be a whole number of days' })
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(31, 'must be at most 31 days')
      .default(DEFAULT_PARTITION_DAYS),
    /**
     * How far V8's old generation may grow past what survived a full collection before the next
     * one, in percent (default 100: to twice that; 0: V8 decides). See `applyHeapGrowth`.
     */
    HEAP_GROWING_PERCENT: z.coerce
      .number({ error: 'must be a whole number of percent' })
      .int('must be a whole number of percent')
      .min(0, 'must be 0 (V8 decides) or more')
      .max(400, 'must be at most 400 (five times the live heap)')
      .default(100),
    /** Bearer token of the service's operator API; the API is disabled while it is unset. */
    ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  });
}

export type CommonEnv = z.infer<ReturnType<typeof commonEnv>>;
