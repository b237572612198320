import { type ErrorLike, errorChain as chain } from './error-chain';

/**
 * Marks a failure that is not the work's fault: a database, broker or third-party API that cannot
 * be reached. Whoever catches it waits for the dependency and tries again, without spending the
 * work's retry budget, and never dead-letters or parks the work because of it.
 */
export class DependencyUnavailableError extends Error {
  override readonly name: string = 'DependencyUnavailableError';

  constructor(
    /** What could not be reached, such as "postgres", "kafka" or "stripe". */
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Socket-level failures: the peer is down, restarting, or the network between us is. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
]);

/**
 * Postgres SQLSTATEs of a server that is going away or not accepting work: class 08 (connection
 * exception), shutdowns (57P01-57P03), too many connections (53300).
 */
const POSTGRES_UNAVAILABLE = /^(08...|57P0[1-3]|53300)$/;

/** node-postgres and pg-pool say these in words, without a code. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'terminating connection due to administrator command',
  'the database system is starting up',
  'the database system is shutting down',
];

/**
 * TypeORM's names for a transaction whose connection went away under it: its query runner was
 * released when the connection died, and the transaction's next statement, or its COMMIT, is
 * refused before it reaches the server (so nothing of it was committed).
 */
const TYPEORM_CONNECTION_LOST = new Set([
  'QueryRunnerProviderAlreadyReleasedError',
  'QueryRunnerAlreadyReleasedError',
]);

/** kafkajs's names for a broker that cannot be reached or did not answer. */
const KAFKA_UNAVAILABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSLockTimeout',
]);

function isUnavailable(err: ErrorLike): boolean {
  if (err instanceof DependencyUnavailableError) return true;
  const code = typeof err.code === 'string' ? err.code : '';
  if (NETWORK_CODES.has(code) || POSTGRES_UNAVAILABLE.test(code)) return true;
  if (typeof err.name === 'string' && KAFKA_UNAVAILABLE.has(err.name)) return true;
  if (typeof err.name === 'string' && TYPEORM_CONNECTION_LOST.has(err.name)) return true;
  const message = typeof err.message === 'string' ? err.message : '';
  return CONNECTION_MESSAGES.some((m) => message.includes(m));
}

/**
 * Whether a failure means a dependency is unreachable (Postgres or Kafka down or restarting, a
 * connection reset or timed out) rather than something wrong with the work at hand. Such a
 * failure says nothing about the message or request being processed: retry it once the
 * dependency is back, never dead-letter it.
 */
export function isDependencyFailure(err: unknown): boolean {
  for (const e of chain(err)) if (isUnavailable(e)) return true;
  return false;
}

/**
 * The wait before trying again while a dependency is down: short at first, so a blip costs
 * little, then capped, so a long outage is probed every few seconds without end.
 */
export function outageBackoffMs(
  consecutiveFailures: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(5000, 250 * 2 ** Math.max(0, consecutiveFailures - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
