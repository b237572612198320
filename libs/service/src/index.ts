export * from './lib/config/config-error';
export * from './lib/config/load-config';
export * from './lib/config/common-env';
export * from './lib/database/database';
export {
  afterCommit,
  beforeCommit,
  CommitHooksSubscriber,
  gatherUntilCommit,
  inTransaction,
  transactionLocal,
} from '@switchyard/messaging';
export * from './lib/messaging/messaging.runtime';
export * from './lib/messaging/kafka-events.server';
export * from './lib/messaging/inbox-context';
export * from './lib/messaging/event-handlers.decorator';
export * from './lib/service-core.module';
export * from './lib/service-config.token';
export * from './lib/bootstrap-service';
export * from './lib/http/zod.pipe';
export * from './lib/http/storable-text';
export * from './lib/http/api-error';
export * from './lib/http/json-body';
export * from './lib/http/api-exception.filter';
export * from './lib/http/admin-token.guard';
export * from './lib/http/token-matches';
export * from './lib/health/metrics';
export * from './lib/health/scrape-query';
export * from './lib/partitions/partition-bounds';
export * from './lib/partitions/partition-maintainer';
export { listPartitions } from './lib/partitions/partition-sql';
export * from './lib/partitions/partition-maintenance.service';
export * from './lib/partitions/partition-conversion';
export * from './lib/partitions/messaging-tables';
export * from './lib/http/zod-issue-message';
export * from './lib/http/iso-timestamp';
export * from './lib/database/repository-sql';
export * from './lib/http/cursor-page';
export * from './lib/http/bearer-token';
export * from './lib/background/polling-loop-errors';
export * from './lib/openapi/api-route.decorator';
export * from './lib/openapi/api-error-cases';
export * from './lib/openapi/api-error.schema';
export * from './lib/openapi/openapi-schema';
export * from './lib/openapi/openapi-document';
export { REDACTED } from './lib/logging/redaction';
