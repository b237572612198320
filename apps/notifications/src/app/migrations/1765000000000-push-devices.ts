import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Customers' devices for push notifications (#14). A token is unique per platform and app: a
 * registration of a known token updates its row (the device may have moved to another customer).
 * `registered_at` is the last registration: APNs answers 410 with the time it last knew the token
 * valid, and only a device registered before that is removed.
 */
export class PushDevices1765000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(
      `CREATE TABLE ${s}.devices (
        id uuid PRIMARY KEY,
        customer_id text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('apns', 'fcm')),
        token text NOT NULL,
        app text NOT NULL,
        environment text,
        locale text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((platform = 'apns' AND environment IN ('production', 'sandbox'))
               OR (platform = 'fcm' AND environment IS NULL)),
        UNIQUE (platform, app, token)
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX devices_customer_idx ON ${s}.devices (customer_id, created_at, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.devices`);
  }
}
