import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class DeliveryControls1764500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    const statements = [
      `ALTER TABLE ${s}.endpoints ADD COLUMN rate_limit_per_second integer CHECK (rate_limit_per_second > 0)`,
      // The earliest moment the next request may start (a GCRA slot), shared by every instance.
      `ALTER TABLE ${s}.endpoints ADD COLUMN rate_next_at timestamptz NOT NULL DEFAULT now()`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN fifo boolean NOT NULL DEFAULT false`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN retry_schedule text`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN failing_since timestamptz`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN circuit_open_until timestamptz`,
      `CREATE INDEX deliveries_endpoint_pending_idx ON ${s}.deliveries (endpoint_id, created_at, id) WHERE status = 'pending'`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.deliveries_endpoint_pending_idx`);
    await queryRunner.query(
      `ALTER TABLE ${s}.endpoints DROP COLUMN circuit_open_until, DROP COLUMN failing_since, DROP COLUMN consecutive_failures,
       DROP COLUMN retry_schedule, DROP COLUMN fifo, DROP COLUMN rate_next_at, DROP COLUMN rate_limit_per_second`,
    );
  }
}
