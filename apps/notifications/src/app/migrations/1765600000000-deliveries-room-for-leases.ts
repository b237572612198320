import { quoteIdent } from '@switchyard/messaging';
import { listPartitions, migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A delivery's lease (`locked_until`, `locked_by`) is written when it is claimed, moments after
 * the row was: on a full page that update wrote an entry in each of the table's indexes; with
 * half of each page left free it stays on its page and writes none (a HOT update), which in the
 * drain benchmark took Postgres's CPU per delivery down by about a sixth, and the partition
 * ended smaller, not larger (its updates no longer move rows to new pages). Partitions made from
 * now on get the same fillfactor (partitioned-tables.ts); pages written before keep theirs.
 * `deliveries_message_idx` goes: the unique key (message_id, endpoint_id, event_id) begins with
 * the message id and serves the same lookups, so it was one more index for every row to write.
 */
export class DeliveriesRoomForLeases1765600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const s = quoteIdent(schema);
    for (const partition of await listPartitions(queryRunner, schema, 'deliveries')) {
      await queryRunner.query(
        `ALTER TABLE ${s}.${quoteIdent(partition.name)} SET (fillfactor = 50)`,
      );
    }
    await queryRunner.query(`DROP INDEX ${s}.deliveries_message_idx`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    const s = quoteIdent(schema);
    await queryRunner.query(`CREATE INDEX deliveries_message_idx ON ${s}.deliveries (message_id)`);
    for (const partition of await listPartitions(queryRunner, schema, 'deliveries')) {
      await queryRunner.query(`ALTER TABLE ${s}.${quoteIdent(partition.name)} RESET (fillfactor)`);
    }
  }
}
