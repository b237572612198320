import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class EndpointOptions1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    const statements = [
      // During a rotation the previous secret keeps signing until it expires.
      `ALTER TABLE ${s}.endpoints ADD COLUMN previous_secret text`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN previous_secret_expires_at timestamptz`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'::jsonb`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN disabled_reason text`,
      `ALTER TABLE ${s}.endpoints ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()`,
      `CREATE INDEX endpoints_partner_idx ON ${s}.endpoints (partner_id, created_at, id)`,
      `CREATE INDEX deliveries_endpoint_idx ON ${s}.deliveries (endpoint_id, created_at DESC, id DESC)`,
      `CREATE INDEX deliveries_message_idx ON ${s}.deliveries (message_id)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(
      `DROP INDEX ${s}.deliveries_message_idx, ${s}.deliveries_endpoint_idx, ${s}.endpoints_partner_idx`,
    );
    await queryRunner.query(
      `ALTER TABLE ${s}.endpoints DROP COLUMN updated_at, DROP COLUMN disabled_reason, DROP COLUMN headers,
       DROP COLUMN previous_secret_expires_at, DROP COLUMN previous_secret`,
    );
  }
}
