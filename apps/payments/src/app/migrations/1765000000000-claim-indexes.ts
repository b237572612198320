import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The PaymentIntent an event is about, exactly as the claim computes it
 * (`stripe-events.repository.ts`, PAYMENT_INTENT_OF): an expression index serves only the same
 * expression. The claim's backlog test fails if the two differ.
 */
const PAYMENT_INTENT_OF = `(CASE WHEN type LIKE 'payment\\_intent.%' THEN payload->'data'->'object'->>'id'
  ELSE COALESCE(payload->'data'->'object'->'payment_intent'->>'id',
                payload->'data'->'object'->>'payment_intent') END)`;

export class ClaimIndexes1765000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    // A claim takes the oldest events waiting: in this order it reads a batch of them and stops.
    // Without it, once the statistics showed a backlog (5,000 due among 25,000), the claim walked
    // every event stored, processed ones included, in that order (210 ms): the backlog slowed
    // the claims that should shrink it, the more so the more events are kept. With statistics
    // from before a backlog, Postgres still sorts the due events instead, as it did before. It
    // replaces the index by due time, which no statement reads in order.
    await queryRunner.query(
      `CREATE INDEX stripe_events_claim_idx ON ${s}.stripe_events (received_at, id) WHERE status = 'received'`,
    );
    await queryRunner.query(`DROP INDEX ${s}.stripe_events_due_idx`);
    // A claim looks for earlier events of the PaymentIntents it took: by key, where it read
    // every due event's payload to find them.
    await queryRunner.query(
      `CREATE INDEX stripe_events_payment_intent_idx ON ${s}.stripe_events (${PAYMENT_INTENT_OF}) WHERE status = 'received'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.stripe_events_payment_intent_idx`);
    await queryRunner.query(
      `CREATE INDEX stripe_events_due_idx ON ${s}.stripe_events (next_attempt_at) WHERE status = 'received'`,
    );
    await queryRunner.query(`DROP INDEX ${s}.stripe_events_claim_idx`);
  }
}
