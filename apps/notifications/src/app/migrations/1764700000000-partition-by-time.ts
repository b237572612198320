import { quoteIdent } from '@switchyard/messaging';
import { convertMessagingTables, convertToPartitioned, migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * messages, deliveries, attempts, the outbox and the inbox become partitioned by day of event id,
 * keeping their rows (see decision 0004). Deliveries and attempts gain the event id of their
 * message. Foreign keys into partitioned tables go: the application writes a message, its
 * deliveries and their attempts in step, and retention drops them together by day.
 */
export class PartitionByTime1764700000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.attempts DROP CONSTRAINT attempts_delivery_id_fkey`);
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries DROP CONSTRAINT deliveries_message_id_fkey`,
    );
    await convertToPartitioned(queryRunner, {
      table: { table: 'messages', key: 'event_id', kind: 'uuidv7' },
      ddl: [
        `CREATE TABLE ${s}.messages (
          id text NOT NULL,
          partner_id uuid NOT NULL REFERENCES ${s}.partners (id),
          event_id uuid NOT NULL,
          event_type text NOT NULL,
          subject text NOT NULL,
          payload text NOT NULL,
          created_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (id, event_id),
          UNIQUE (partner_id, event_id)
        ) PARTITION BY RANGE (event_id)`,
        `CREATE INDEX messages_partner_idx ON ${s}.messages (partner_id, created_at)`,
        `CREATE INDEX messages_event_idx ON ${s}.messages (event_id)`,
        `CREATE TABLE ${s}.messages_default PARTITION OF ${s}.messages DEFAULT`,
      ],
    });
    await convertToPartitioned(queryRunner, {
      table: { table: 'deliveries', key: 'event_id', kind: 'uuidv7' },
      ddl: [
        `CREATE TABLE ${s}.deliveries (
          id uuid NOT NULL,
          message_id text NOT NULL,
          event_id uuid NOT NULL,
          endpoint_id uuid NOT NULL REFERENCES ${s}.endpoints (id),
          status text NOT NULL DEFAULT 'pending',
          attempts integer NOT NULL DEFAULT 0,
          next_attempt_at timestamptz NOT NULL DEFAULT now(),
          locked_until timestamptz,
          locked_by text,
          last_status_code integer,
          last_error text,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (id, event_id),
          UNIQUE (message_id, endpoint_id, event_id)
        ) PARTITION BY RANGE (event_id)`,
        `CREATE INDEX deliveries_due_idx ON ${s}.deliveries (next_attempt_at) WHERE status = 'pending'`,
        `CREATE INDEX deliveries_endpoint_idx ON ${s}.deliveries (endpoint_id, created_at DESC, id DESC)`,
        `CREATE INDEX deliveries_message_idx ON ${s}.deliveries (message_id)`,
        `CREATE INDEX deliveries_endpoint_pending_idx ON ${s}.deliveries (endpoint_id, created_at, id) WHERE status = 'pending'`,
        `CREATE TABLE ${s}.deliveries_default PARTITION OF ${s}.deliveries DEFAULT`,
      ],
      source: (old) =>
        `SELECT d.*, m.event_id FROM ${old} d JOIN ${s}.messages m ON m.id = d.message_id`,
    });
    await convertToPartitioned(queryRunner, {
      table: { table: 'attempts', key: 'event_id', kind: 'uuidv7' },
      ddl: [
        `CREATE TABLE ${s}.attempts (
          id bigserial NOT NULL,
          delivery_id uuid NOT NULL,
          event_id uuid NOT NULL,
          attempted_at timestamptz NOT NULL DEFAULT now(),
          status_code integer,
          latency_ms integer NOT NULL,
          error text,
          response_body text,
          sent_by text,
          PRIMARY KEY (id, event_id)
        ) PARTITION BY RANGE (event_id)`,
        `CREATE INDEX attempts_delivery_idx ON ${s}.attempts (delivery_id, attempted_at)`,
        `CREATE TABLE ${s}.attempts_default PARTITION OF ${s}.attempts DEFAULT`,
      ],
      source: (old) =>
        `SELECT a.*, d.event_id FROM ${old} a JOIN ${s}.deliveries d ON d.id = a.delivery_id`,
    });
    await convertMessagingTables(queryRunner);
  }

  async down(): Promise<void> {
    throw new Error(
      'PartitionByTime1764700000000 is not reversible: restore a backup taken before it ran',
    );
  }
}
