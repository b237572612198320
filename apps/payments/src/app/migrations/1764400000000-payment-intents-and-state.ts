import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class PaymentIntentsAndState1764400000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    const statements = [
      // One PaymentIntent per order: the order id is also Stripe's idempotency key.
      `CREATE TABLE ${s}.payment_intents (
        order_id uuid PRIMARY KEY,
        id text NOT NULL UNIQUE,
        client_secret text NOT NULL,
        amount bigint NOT NULL,
        currency char(3) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      // What Stripe told us about each PaymentIntent, merged in any arrival order.
      `CREATE TABLE ${s}.payment_states (
        payment_intent_id text PRIMARY KEY,
        order_id text NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX payment_states_order_idx ON ${s}.payment_states (order_id)`,
      `CREATE TABLE ${s}.stripe_sync (
        name text PRIMARY KEY,
        last_created bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      `ALTER TABLE ${s}.stripe_events ADD COLUMN source text NOT NULL DEFAULT 'webhook'`,
      `ALTER TABLE ${s}.stripe_events ADD COLUMN created bigint`,
      `UPDATE ${s}.stripe_events SET created = (payload->>'created')::bigint`,
      `CREATE INDEX stripe_events_received_idx ON ${s}.stripe_events (received_at, id)`,
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.stripe_events_received_idx`);
    await queryRunner.query(
      `ALTER TABLE ${s}.stripe_events DROP COLUMN created, DROP COLUMN source`,
    );
    await queryRunner.query(
      `DROP TABLE ${s}.stripe_sync, ${s}.payment_states, ${s}.payment_intents`,
    );
  }
}
