import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Push sends are deliveries too (#14): the same queue, claim, lease, retry and attempt record as
 * webhooks, with a device instead of an endpoint as the target. Their message is the event, kept
 * once per event with no partner (`push_<event id>`), and rendered for each device's locale when
 * it is sent.
 */
export class PushDeliveries1765100000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`ALTER TABLE ${s}.messages ALTER COLUMN partner_id DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries ALTER COLUMN endpoint_id DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries ADD COLUMN device_id uuid`);
    // The customer a push was for, kept with it: a dead device is removed, its pushes' log stays.
    await queryRunner.query(`ALTER TABLE ${s}.deliveries ADD COLUMN customer_id text`);
    await queryRunner.query(
      `ALTER TABLE ${s}.deliveries ADD CONSTRAINT deliveries_one_target
       CHECK ((endpoint_id IS NULL) <> (device_id IS NULL)
              AND (device_id IS NULL) = (customer_id IS NULL))`,
    );
    // The push claim walks due pushes alone, never the webhook backlog.
    await queryRunner.query(
      `CREATE INDEX deliveries_push_due_idx ON ${s}.deliveries (next_attempt_at)
       WHERE status = 'pending' AND device_id IS NOT NULL`,
    );
    // An event's push to a device is made once, however often the event is consumed.
    await queryRunner.query(
      `CREATE UNIQUE INDEX deliveries_device_unique ON ${s}.deliveries (message_id, device_id, event_id)
       WHERE device_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX deliveries_device_idx ON ${s}.deliveries (device_id, created_at DESC, id DESC)
       WHERE device_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX deliveries_customer_idx ON ${s}.deliveries (customer_id, created_at DESC, id DESC)
       WHERE customer_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`DELETE FROM ${s}.deliveries WHERE device_id IS NOT NULL`);
    await queryRunner.query(`DELETE FROM ${s}.messages WHERE partner_id IS NULL`);
    await queryRunner.query(`DROP INDEX ${s}.deliveries_push_due_idx`);
    await queryRunner.query(`DROP INDEX ${s}.deliveries_customer_idx`);
    await queryRunner.query(`DROP INDEX ${s}.deliveries_device_idx`);
    await queryRunner.query(`DROP INDEX ${s}.deliveries_device_unique`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP CONSTRAINT deliveries_one_target`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP COLUMN customer_id`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries DROP COLUMN device_id`);
    await queryRunner.query(`ALTER TABLE ${s}.deliveries ALTER COLUMN endpoint_id SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE ${s}.messages ALTER COLUMN partner_id SET NOT NULL`);
  }
}
