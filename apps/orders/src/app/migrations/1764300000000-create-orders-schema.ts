import { inboxTableDdlV1, outboxTableDdlV1 } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateOrdersSchema1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`
      CREATE TABLE "${schema}".orders (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        currency char(3) NOT NULL,
        amount_total bigint NOT NULL CHECK (amount_total >= 0),
        lines jsonb NOT NULL,
        status text NOT NULL,
        version integer NOT NULL,
        payment_intent_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX orders_customer_idx ON "${schema}".orders (customer_id, created_at)`,
    );
    for (const ddl of [...outboxTableDdlV1(schema), ...inboxTableDdlV1(schema)]) {
      await queryRunner.query(ddl);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = migrationSchema(queryRunner);
    await queryRunner.query(`DROP TABLE "${schema}".inbox, "${schema}".outbox, "${schema}".orders`);
  }
}
