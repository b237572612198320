import { quoteIdent } from '@switchyard/messaging';
import { migrationSchema } from '@switchyard/service';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Operators' bulk replays (#15): a filter over deliveries, how many matched when it started, how
 * many were made due so far, and its state. A job is worked a batch per transaction, the job's
 * row locked for the batch, so a cancel waits for the batch in flight and no batch runs after it.
 */
export class ReplayJobs1765300000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(
      `CREATE TABLE ${s}.replay_jobs (
        id uuid PRIMARY KEY,
        filter jsonb NOT NULL,
        total integer NOT NULL CHECK (total >= 0),
        replayed integer NOT NULL DEFAULT 0 CHECK (replayed >= 0),
        state text NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'done', 'cancelled')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CHECK ((state = 'running') = (finished_at IS NULL))
      )`,
    );
    await queryRunner.query(
      `CREATE INDEX replay_jobs_running_idx ON ${s}.replay_jobs (created_at) WHERE state = 'running'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = quoteIdent(migrationSchema(queryRunner));
    await queryRunner.query(`DROP TABLE ${s}.replay_jobs`);
  }
}
