import { messagingPartitionedTables, type PartitionedTable } from '@switchyard/service';

/**
 * Notifications' tables kept by retention (RETENTION_DAYS). A message, its deliveries and their
 * attempts all carry the event id and fall in the same day, so they go together.
 */
export const partitionedTables: readonly PartitionedTable[] = [
  ...messagingPartitionedTables,
  { table: 'messages', key: 'event_id', kind: 'uuidv7' },
  { table: 'deliveries', key: 'event_id', kind: 'uuidv7' },
  { table: 'attempts', key: 'event_id', kind: 'uuidv7' },
];
