import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * `lock_payment_states(ids)`: the states of these PaymentIntents, locked in key order, for the
 * Stripe claim's own statement (`PaymentsRepository.statesInClaim`). The claim is prepared, and
 * Postgres keeps the plan it makes at its sixth call on a connection. Made while
 * `payment_states` held a few hundred rows (a new deployment, each benchmark run), that plan read
 * the table whole at every claim, growing with every PaymentIntent stored: 13 of a 14.5 ms claim
 * with 4,821 states, until an ANALYZE of the table replaced it, which never came where autovacuum
 * does not run. The lookup as a dynamic statement (`EXECUTE`) is planned at every call, for the
 * table as it is then: a primary-key lookup, cheap to plan, read by its keys whatever the size.
 */
export class LockPaymentStates1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(
      `CREATE FUNCTION ${s}.lock_payment_states(ids text[])
       RETURNS TABLE (payment_intent_id text, order_id text, state jsonb)
       LANGUAGE plpgsql VOLATILE AS $fn$
       BEGIN
         RETURN QUERY EXECUTE
           'SELECT s.payment_intent_id, s.order_id, s.state FROM ${s}.payment_states s
            WHERE s.payment_intent_id = ANY ($1)
            ORDER BY s.payment_intent_id COLLATE "C" FOR UPDATE'
           USING ids;
       END
       $fn$`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP FUNCTION ${s}.lock_payment_states(text[])`);
  }
}
