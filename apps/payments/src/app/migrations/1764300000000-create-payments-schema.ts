import { inboxTableDdlV1, outboxTableDdlV1 } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreatePaymentsSchema1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    // One row per Stripe event id: the primary key is what makes intake idempotent.
    await queryRunner.query(`
      CREATE TABLE "${schema}".stripe_events (
        id text PRIMARY KEY,
        type text NOT NULL,
        livemode boolean NOT NULL,
        payload jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        status text NOT NULL DEFAULT 'received',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_error text,
        processed_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX stripe_events_due_idx ON "${schema}".stripe_events (next_attempt_at) WHERE status = 'received'`,
    );
    for (const ddl of [...outboxTableDdlV1(schema), ...inboxTableDdlV1(schema)]) {
      await queryRunner.query(ddl);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(
      `DROP TABLE "${schema}".inbox, "${schema}".outbox, "${schema}".stripe_events`,
    );
  }
}
