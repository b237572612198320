import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Guessing an operator's password: failed sign-ins in a row are counted, and past a few the
 * account is locked for a while (SignInUseCase); a success clears the count.
 */
export class OperatorSignInLock1765400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(
      `ALTER TABLE ${s}.operators
         ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0,
         ADD COLUMN locked_until timestamptz`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(
      `ALTER TABLE ${s}.operators DROP COLUMN failed_sign_ins, DROP COLUMN locked_until`,
    );
  }
}
