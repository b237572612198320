import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

export class ParkedEventsIndex1764900000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    // Every scrape counts the parked events (switchyard_stripe_events_parked): few rows among
    // every event kept, which without this index is a scan of all of them.
    await queryRunner.query(
      `CREATE INDEX stripe_events_parked_idx ON ${s}.stripe_events (received_at) WHERE status = 'failed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = `"${migrationSchema(queryRunner)}"`;
    await queryRunner.query(`DROP INDEX ${s}.stripe_events_parked_idx`);
  }
}
