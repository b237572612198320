import { type PartitionedTable } from './partition-bounds';

/**
 * The outbox and inbox every service has (DDL in @switchyard/messaging), partitioned by event id.
 * An outbox partition with unpublished rows outlives the retention: losing an event that was
 * never sent is worse than keeping a day longer.
 */
export const messagingPartitionedTables: readonly PartitionedTable[] = [
  { table: 'outbox', key: 'event_id', kind: 'uuidv7', keepWhile: 'published_at IS NULL' },
  { table: 'inbox', key: 'event_id', kind: 'uuidv7' },
];
