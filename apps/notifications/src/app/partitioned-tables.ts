import { messagingPartitionedTables, type PartitionedTable } from '@switchyard/service';

/**
 * Notifications' tables kept by retention (RETENTION_DAYS). A message, its deliveries and their
 * attempts all carry the event id and fall in the same day, so they go together.
 */
export const partitionedTables: readonly PartitionedTable[] = [
  ...messagingPartitionedTables,
  { table: 'messages', key: 'event_id', kind: 'uuidv7' },
  // Half of each page free: a delivery's lease is written right after the row, and there it is a
  // HOT update (see the migration DeliveriesRoomForLeases).
  { table: 'deliveries', key: 'event_id', kind: 'uuidv7', fillfactor: 50 },
  { table: 'attempts', key: 'event_id', kind: 'uuidv7' },
];
