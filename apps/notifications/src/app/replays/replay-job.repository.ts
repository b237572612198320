import { Injectable } from '@nestjs/common';
import { dayBound, dayOf, RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { REPLAYED } from '../delivery/delivery.repository';
import { type ReplayFilter, type ReplayJob, type ReplayJobState } from './replay-job';

interface JobRow {
  id: string;
  filter: ReplayFilter;
  total: number;
  replayed: number;
  state: ReplayJobState;
  created_by: string;
  created_at: Date;
  finished_at: Date | null;
}

const toJob = (r: JobRow): ReplayJob => ({
  id: r.id,
  filter: r.filter,
  total: r.total,
  replayed: r.replayed,
  state: r.state,
  createdBy: r.created_by,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

const JOB_COLUMNS = 'id, filter, total, replayed, state, created_by, created_at, finished_at';

/**
 * The deliveries a filter matches: settled, to an enabled endpoint, created in [from, to),
 * last changed before `$7` (a job's start: what it made due is never matched again, so it ends).
 * Parameters $1–$8; shared by the dry-run count and each batch. $8 bounds the event ids: a
 * delivery's event happened before it was created, so nothing of partitions after `to`'s day
 * can match, and Postgres leaves them unread (deliveries are partitioned by event time).
 */
function matching(s: string): string {
  return `FROM ${s}.deliveries d
     JOIN ${s}.endpoints e ON e.id = d.endpoint_id
     JOIN ${s}.messages m ON m.id = d.message_id AND m.event_id = d.event_id
     WHERE d.status = ANY($1::text[]) AND d.created_at >= $2 AND d.created_at < $3
       AND ($4::uuid IS NULL OR e.partner_id = $4) AND ($5::uuid IS NULL OR d.endpoint_id = $5)
       AND ($6::text IS NULL OR m.event_type = $6) AND e.enabled AND d.updated_at < coalesce($7::timestamptz, now())
       AND d.event_id < $8::uuid`;
}

function matchParams(filter: ReplayFilter, before: Date | null): unknown[] {
  return [
    filter.statuses,
    filter.from,
    filter.to,
    filter.partnerId ?? null,
    filter.endpointId ?? null,
    filter.eventType ?? null,
    before,
    dayBound('uuidv7', dayOf(Date.parse(filter.to)) + 1),
  ];
}

/** Bulk replay jobs, and the statements that match and replay their deliveries. */
@Injectable()
export class ReplayJobRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * How many deliveries the filter matches, as of the transaction's start (Postgres' now()): in
   * a job's own transaction, exactly what its batches will match.
   */
  async count(filter: ReplayFilter, db: EntityManager = this.dataSource.manager): Promise<number> {
    const row = await this.sql.first<{ n: number }>(
      db,
      `SELECT count(*)::int AS n ${matching(this.sql.schema)}`,
      matchParams(filter, null),
    );
    return row?.n ?? 0;
  }

  /** A job counting what its filter matches as of its own start (one statement, one now()). */
  async add(
    job: { id: string; filter: ReplayFilter; createdBy: string },
    db: EntityManager = this.dataSource.manager,
  ): Promise<number> {
    const row = await this.sql.first<{ total: number }>(
      db,
      `INSERT INTO ${this.sql.schema}.replay_jobs (id, filter, total, created_by)
       SELECT $9, $10::jsonb, count(*)::int, $11 ${matching(this.sql.schema)}
       RETURNING total`,
      [...matchParams(job.filter, null), job.id, JSON.stringify(job.filter), job.createdBy],
    );
    return row?.total ?? 0;
  }

  async find(id: string, db: EntityManager = this.dataSource.manager) {
    const row = await this.sql.first<JobRow>(
      db,
      `SELECT ${JOB_COLUMNS} FROM ${this.sql.schema}.replay_jobs WHERE id = $1`,
      [id],
    );
    return row && toJob(row);
  }

  async recent(limit: number, db: EntityManager = this.dataSource.manager) {
    const rows = await this.sql.rows<JobRow>(
      db,
      `SELECT ${JOB_COLUMNS} FROM ${this.sql.schema}.replay_jobs ORDER BY created_at DESC LIMIT $1`,
      [limit],
    );
    return rows.map(toJob);
  }

  /**
   * A running job no other transaction holds, locked until `db`'s transaction ends: the batch
   * worked under this lock is the job's only one in flight, across instances.
   */
  async lockRunning(db: EntityManager): Promise<ReplayJob | undefined> {
    const row = await this.sql.first<JobRow>(
      db,
      `SELECT ${JOB_COLUMNS} FROM ${this.sql.schema}.replay_jobs
       WHERE state = 'running' ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
    );
    return row && toJob(row);
  }

  /** Makes up to `batch` of the job's matching deliveries due now, with a fresh schedule. */
  async replayBatch(job: ReplayJob, batch: number, db: EntityManager): Promise<number> {
    const s = this.sql.schema;
    return this.sql.affected(
      db,
      `UPDATE ${s}.deliveries
       SET ${REPLAYED}
       WHERE (id, event_id) IN (SELECT d.id, d.event_id ${matching(s)} LIMIT $9)`,
      [...matchParams(job.filter, job.createdAt), batch],
    );
  }

  async advance(id: string, made: number, state: ReplayJobState, db: EntityManager): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.replay_jobs
       SET replayed = replayed + $2, state = $3,
           finished_at = CASE WHEN $3 = 'running' THEN NULL ELSE now() END
       WHERE id = $1`,
      [id, made, state],
    );
  }

  /**
   * Stops a running job; waits for a batch in flight (its lock), so none runs after this. False
   * when the job was not running.
   */
  async cancel(id: string, db: EntityManager = this.dataSource.manager): Promise<boolean> {
    const changed = await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.replay_jobs SET state = 'cancelled', finished_at = now()
       WHERE id = $1 AND state = 'running'`,
      [id],
    );
    return changed === 1;
  }
}
