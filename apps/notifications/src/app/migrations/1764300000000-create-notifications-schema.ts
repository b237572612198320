import { inboxTableDdlV1, outboxTableDdlV1 } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class CreateNotificationsSchema1764300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    const statements = [
      `CREATE TABLE ${s}.partners (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        api_key_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE ${s}.endpoints (
        id uuid PRIMARY KEY,
        partner_id uuid NOT NULL REFERENCES ${s}.partners (id),
        url text NOT NULL,
        description text NOT NULL DEFAULT '',
        event_types text[] NOT NULL,
        secret text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX endpoints_event_types_idx ON ${s}.endpoints USING gin (event_types) WHERE enabled`,
      `CREATE TABLE ${s}.messages (
        id text PRIMARY KEY,
        partner_id uuid NOT NULL REFERENCES ${s}.partners (id),
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        subject text NOT NULL,
        payload text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (partner_id, event_id)
      )`,
      `CREATE INDEX messages_partner_idx ON ${s}.messages (partner_id, created_at)`,
      `CREATE TABLE ${s}.deliveries (
        id uuid PRIMARY KEY,
        message_id text NOT NULL REFERENCES ${s}.messages (id),
        endpoint_id uuid NOT NULL REFERENCES ${s}.endpoints (id),
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        last_status_code integer,
        last_error text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (message_id, endpoint_id)
      )`,
      `CREATE INDEX deliveries_due_idx ON ${s}.deliveries (next_attempt_at) WHERE status = 'pending'`,
      `CREATE TABLE ${s}.attempts (
        id bigserial PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES ${s}.deliveries (id),
        attempted_at timestamptz NOT NULL DEFAULT now(),
        status_code integer,
        latency_ms integer NOT NULL,
        error text,
        response_body text
      )`,
      `CREATE INDEX attempts_delivery_idx ON ${s}.attempts (delivery_id, attempted_at)`,
      ...inboxTableDdlV1(migrationSchema(queryRunner)),
      ...outboxTableDdlV1(migrationSchema(queryRunner)),
    ];
    for (const statement of statements) await queryRunner.query(statement);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(
      `DROP TABLE ${s}.outbox, ${s}.inbox, ${s}.attempts, ${s}.deliveries, ${s}.messages, ${s}.endpoints, ${s}.partners`,
    );
  }
}
