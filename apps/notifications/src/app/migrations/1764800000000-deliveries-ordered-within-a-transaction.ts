import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class DeliveriesOrderedWithinATransaction1764800000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    // FIFO endpoints are served in created_at order. A consumer takes a fetch of events in one
    // transaction, where now() is the same for all of them: the time of the insert itself keeps
    // their deliveries in the order the events were consumed.
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries ALTER COLUMN created_at SET DEFAULT clock_timestamp()`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries ALTER COLUMN created_at SET DEFAULT now()`,
    );
  }
}
