import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class StripeEventTraceparent1764950000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    // The webhook request's trace, when tracing is on: processing happens later, from the table,
    // and continues that trace instead of starting one of its own.
    await queryRunner.query(`ALTER TABLE ${s}.stripe_events ADD COLUMN traceparent text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`ALTER TABLE ${s}.stripe_events DROP COLUMN traceparent`);
  }
}
