import { inboxTableDdl, outboxTableDdl } from '@switchyard/messaging';
import { type QueryRunner } from 'typeorm';
import { migrationSchema } from '../database/database';
import { type PartitionedTable } from './partition-bounds';
import { convertToPartitioned } from './partition-conversion';

const outbox: PartitionedTable = {
  table: 'outbox',
  key: 'event_id',
  kind: 'uuidv7',
  keepWhile: 'published_at IS NULL',
};
const inbox: PartitionedTable = { table: 'inbox', key: 'event_id', kind: 'uuidv7' };

/**
 * The outbox and inbox every service has (DDL in @switchyard/messaging), partitioned by event id.
 * An outbox partition with unpublished rows outlives the retention: losing an event that was
 * never sent is worse than keeping a day longer.
 */
export const messagingPartitionedTables: readonly PartitionedTable[] = [outbox, inbox];

/** For a service's migration: its first (unpartitioned) outbox and inbox become partitioned. */
export async function convertMessagingTables(queryRunner: QueryRunner): Promise<void> {
  const schema = migrationSchema(queryRunner);
  await convertToPartitioned(queryRunner, { table: outbox, ddl: outboxTableDdl(schema) });
  await convertToPartitioned(queryRunner, { table: inbox, ddl: inboxTableDdl(schema) });
}
