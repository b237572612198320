import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class DeliveryLeaseOwner1764650000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    // The instance holding a delivery's lease: only it renews the lease or records the attempt,
    // so an instance that lost its lease (paused, cut off) cannot overwrite another's result.
    await queryRunner.query(`ALTER TABLE ${s}.deliveries ADD COLUMN locked_by text`);
    // Which instance made each attempt: for an operator tracing a delivery across instances.
    await queryRunner.query(`ALTER TABLE ${s}.attempts ADD COLUMN sent_by text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.attempts DROP COLUMN sent_by`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP COLUMN locked_by`);
  }
}
