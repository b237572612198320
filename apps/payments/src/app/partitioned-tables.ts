import { messagingPartitionedTables, type PartitionedTable } from '@switchyard/service';

/**
 * Payments' tables kept by retention (RETENTION_DAYS). Stripe event ids are not time-ordered,
 * but an event's `created` is fixed by Stripe and the same on every redelivery of its id, so
 * (id, created) is unique exactly when id is.
 */
export const partitionedTables: readonly PartitionedTable[] = [
  ...messagingPartitionedTables,
  {
    table: 'stripe_events',
    key: 'created',
    kind: 'epoch_seconds',
    // An event not processed yet outlives the retention rather than vanish unprocessed.
    keepWhile: `status = 'received'`,
  },
];
