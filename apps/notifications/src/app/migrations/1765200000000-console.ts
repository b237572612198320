import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The web console (#15): operators with scrypt password hashes; sessions of operators and of
 * partners, known by the SHA-256 of their cookie, each with its CSRF token and an expiry that
 * slides with use up to a fixed end; single-use portal links, also kept as hashes.
 */
export class Console1765200000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(
      `CREATE TABLE ${s}.operators (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        password_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX operators_email_idx ON ${s}.operators (lower(email))`,
    );
    await queryRunner.query(
      `CREATE TABLE ${s}.console_sessions (
        token_hash text PRIMARY KEY,
        operator_id uuid REFERENCES ${s}.operators (id) ON DELETE CASCADE,
        partner_id uuid REFERENCES ${s}.partners (id) ON DELETE CASCADE,
        capability text NOT NULL,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        CHECK ((capability = 'operator' AND operator_id IS NOT NULL AND partner_id IS NULL)
            OR (capability IN ('read', 'manage') AND partner_id IS NOT NULL AND operator_id IS NULL)),
        CHECK (expires_at <= ends_at)
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX console_sessions_expiry_idx ON ${s}.console_sessions (expires_at)`,
    );
    await queryRunner.query(
      `CREATE TABLE ${s}.portal_links (
        token_hash text PRIMARY KEY,
        partner_id uuid NOT NULL REFERENCES ${s}.partners (id) ON DELETE CASCADE,
        capability text NOT NULL CHECK (capability IN ('read', 'manage')),
        issued_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.portal_links`);
    await queryRunner.query(`DROP TABLE ${s}.console_sessions`);
    await queryRunner.query(`DROP TABLE ${s}.operators`);
  }
}
