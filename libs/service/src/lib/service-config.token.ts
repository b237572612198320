/** Injection token of the service's validated configuration (a CommonEnv or an extension of it). */
export const SERVICE_CONFIG = Symbol('SERVICE_CONFIG');

/** Injection token of the service's name (orders, payments, notifications). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/** Injection token of the service's root pino logger (what nestjs-pino and the request log write to). */
export const SERVICE_LOGGER = Symbol('SERVICE_LOGGER');

/** Injection token of the service's partitioned tables (PartitionedTable[]), kept by retention. */
export const PARTITIONED_TABLES = Symbol('PARTITIONED_TABLES');

/** Injection token of the service's event consumer name: its consumer group and inbox name. */
export const EVENT_CONSUMER = Symbol('EVENT_CONSUMER');
