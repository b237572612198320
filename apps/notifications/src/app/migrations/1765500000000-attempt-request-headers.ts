import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Each webhook attempt's request headers (the Standard Webhooks headers, content type and user
 * agent, the endpoint's custom headers with credentials redacted), for the message timelines of
 * the console. Null for attempts made before, and for pushes.
 */
export class AttemptRequestHeaders1765500000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.attempts ADD COLUMN request_headers jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.attempts DROP COLUMN request_headers`);
  }
}
