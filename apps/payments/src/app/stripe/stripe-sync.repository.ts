import { Inject, Injectable } from '@nestjs/common';
import { type CommonEnv, RepositorySql, SERVICE_CONFIG } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * stripe_sync: how far reconciliation has listed Stripe's events, and the advisory lock that
 * lets one instance at a time list them.
 */
@Injectable()
export class StripeSyncRepository {
  private readonly lockKey: string;

  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: CommonEnv,
  ) {
    this.lockKey = `switchyard.stripe-reconcile.${config.DB_SCHEMA}`;
  }

  /**
   * Runs `work` on a connection of its own holding the reconciliation lock, or returns null at
   * once when another session holds it. A session lock, not a transaction: reconciliation
   * stores each event as it lists it, and the lock ends with the session if the process dies.
   */
  async whileReconciling<T>(work: (db: EntityManager) => Promise<T>): Promise<T | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const lock = await this.sql.first<{ locked: boolean }>(
        runner.manager,
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [this.lockKey],
      );
      if (!lock?.locked) return null;
      try {
        return await work(runner.manager);
      } finally {
        await this.sql.rows(runner.manager, 'SELECT pg_advisory_unlock(hashtext($1))', [
          this.lockKey,
        ]);
      }
    } finally {
      await runner.release();
    }
  }

  /** The `created` of the newest Stripe event listed so far; null before the first run. */
  async lastCreated(db: EntityManager): Promise<number | null> {
    const row = await this.sql.first<{ last_created: string }>(
      db,
      `SELECT last_created FROM ${this.sql.schema}.stripe_sync WHERE name = 'events'`,
    );
    return row ? Number(row.last_created) : null;
  }

  /** Moves the mark forward to `created`; never back. */
  async advanceTo(db: EntityManager, created: number): Promise<void> {
    const table = `${this.sql.schema}.stripe_sync`;
    await this.sql.affected(
      db,
      `INSERT INTO ${table} (name, last_created) VALUES ('events', $1)
       ON CONFLICT (name) DO UPDATE
       SET last_created = GREATEST(${table}.last_created, EXCLUDED.last_created), updated_at = now()`,
      [created],
    );
  }
}
