import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class FiltersAndPayloadMode1764600000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.endpoints ADD COLUMN filter jsonb`);
    await queryRunner.query(
      `ALTER TABLE ${s}.endpoints ADD COLUMN payload_mode text NOT NULL DEFAULT 'full' CHECK (payload_mode IN ('full', 'thin'))`,
    );
    await queryRunner.query(`CREATE INDEX messages_event_idx ON ${s}.messages (event_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.messages_event_idx`);
    await queryRunner.query(
      `ALTER TABLE ${s}.endpoints DROP COLUMN payload_mode, DROP COLUMN filter`,
    );
  }
}
