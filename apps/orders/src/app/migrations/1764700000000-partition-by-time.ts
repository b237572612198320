import { convertMessagingTables } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** The outbox and inbox become partitioned by day, keeping their rows (see decision 0004). */
export class PartitionByTime1764700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await convertMessagingTables(queryRunner);
  }

  async down(): Promise<void> {
    throw new Error(
      'PartitionByTime1764700000000 is not reversible: restore a backup taken before it ran',
    );
  }
}
