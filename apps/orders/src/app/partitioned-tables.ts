import { messagingPartitionedTables, type PartitionedTable } from '@switchyard/service';

/** Orders' tables kept by retention (RETENTION_DAYS): its outbox and inbox; orders stay. */
export const partitionedTables: readonly PartitionedTable[] = messagingPartitionedTables;
