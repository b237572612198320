import { quoteIdent } from '@switchyard/messaging';
import { convertMessagingTables, convertToPartitioned, migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * stripe_events, the outbox and the inbox become partitioned by day, keeping their rows (see
 * decision 0004). Stripe events by `created`, which becomes NOT NULL and joins the primary key.
 */
export class PartitionByTime1764700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await convertToPartitioned(queryRunner, {
      table: { table: 'stripe_events', key: 'created', kind: 'epoch_seconds' },
      ddl: [
        `CREATE TABLE ${s}.stripe_events (
          id text NOT NULL,
          type text NOT NULL,
          created bigint NOT NULL,
          livemode boolean NOT NULL,
          payload jsonb NOT NULL,
          source text NOT NULL DEFAULT 'webhook',
          received_at timestamptz NOT NULL DEFAULT now(),
          status text NOT NULL DEFAULT 'received',
          attempts integer NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT now(),
          last_error text,
          processed_at timestamptz,
          PRIMARY KEY (id, created)
        ) PARTITION BY RANGE (created)`,
        `CREATE INDEX stripe_events_due_idx ON ${s}.stripe_events (next_attempt_at) WHERE status = 'received'`,
        `CREATE INDEX stripe_events_received_idx ON ${s}.stripe_events (received_at, id)`,
        `CREATE TABLE ${s}.stripe_events_default PARTITION OF ${s}.stripe_events DEFAULT`,
      ],
      // Every verified event has `created`; a row from before the column existed takes it from
      // its payload, or failing that from when it arrived.
      source: (old) =>
        `SELECT id, type, livemode, payload, source, received_at, status, attempts, next_attempt_at,
                last_error, processed_at,
                COALESCE(created, (payload->>'created')::bigint, floor(extract(epoch FROM received_at))::bigint) AS created
         FROM ${old}`,
    });
    await convertMessagingTables(queryRunner);
  }

  async down(): Promise<void> {
    throw new Error(
      'PartitionByTime1764700000000 is not reversible: restore a backup taken before it ran',
    );
  }
}
