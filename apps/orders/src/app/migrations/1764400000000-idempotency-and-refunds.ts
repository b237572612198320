import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class IdempotencyAndRefunds1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    const statements = [
      // An Idempotency-Key remembers the request it was first used with and the order it made.
      `CREATE TABLE ${s}.idempotency_keys (
        key text PRIMARY KEY,
        request_hash text NOT NULL,
        order_id uuid NOT NULL REFERENCES ${s}.orders (id) DEFERRABLE INITIALLY DEFERRED,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `ALTER TABLE ${s}.orders ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0`,
      `CREATE INDEX orders_status_idx ON ${s}.orders (status, created_at DESC, id DESC)`,
      `CREATE INDEX orders_created_idx ON ${s}.orders (created_at DESC, id DESC)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.orders_created_idx, ${s}.orders_status_idx`);
    await queryRunner.query(`ALTER TABLE ${s}.orders DROP COLUMN amount_refunded`);
    await queryRunner.query(`DROP TABLE ${s}.idempotency_keys`);
  }
}
