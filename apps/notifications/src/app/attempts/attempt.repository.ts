import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

/** One request to an endpoint and what came of it. */
export interface Attempt {
  /** A bigint, as text: ids outgrow JavaScript's safe integers long before the column does. */
  readonly id: string;
  readonly endpointId: string;
  readonly messageId: string;
  readonly attemptedAt: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly responseBody: string | null;
}

export interface NewAttempt {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly responseBody: string | null;
  /** The instance that made it. */
  readonly sentBy: string;
}

/** Whose attempts: one endpoint's, or one message's to every endpoint. */
export type AttemptScope = { readonly endpointId: string } | { readonly messageId: string };

export interface AttemptFilter {
  readonly status?: 'succeeded' | 'failed';
  readonly limit: number;
  /** Only attempts older than this one. */
  readonly beforeId: string | null;
}

interface AttemptRow {
  id: string;
  endpoint_id: string;
  message_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
}

/** The attempts table: the log of every request made to partners' endpoints. */
@Injectable()
export class AttemptRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /** Many attempts in one statement (the delivery worker records them in batches). */
  async add(
    attempts: readonly NewAttempt[],
    db: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (attempts.length === 0) return;
    await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.attempts (delivery_id, event_id, status_code, latency_ms, error, response_body, sent_by)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[])`,
      [
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.eventId),
        attempts.map((a) => a.statusCode),
        attempts.map((a) => a.latencyMs),
        attempts.map((a) => a.error),
        attempts.map((a) => a.responseBody),
        attempts.map((a) => a.sentBy),
      ],
    );
  }

  /** Attempts in scope, newest first; a success is a 2xx answer, anything else a failure. */
  async list(
    scope: AttemptScope,
    filter: AttemptFilter,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Attempt[]> {
    const s = this.sql.schema;
    const [column, value] =
      'endpointId' in scope
        ? ['d.endpoint_id', scope.endpointId]
        : ['d.message_id', scope.messageId];
    const rows = await this.sql.rows<AttemptRow>(
      db,
      `SELECT a.id, d.endpoint_id, d.message_id, a.attempted_at, a.status_code, a.latency_ms, a.error, a.response_body
       FROM ${s}.attempts a JOIN ${s}.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
       WHERE ${column} = $1
         AND ($2::text IS NULL OR ($2 = 'succeeded') = COALESCE(a.status_code BETWEEN 200 AND 299, false))
         AND ($3::bigint IS NULL OR a.id < $3)
       ORDER BY a.id DESC LIMIT $4`,
      [value, filter.status ?? null, filter.beforeId, filter.limit],
    );
    return rows.map((a) => ({
      id: a.id,
      endpointId: a.endpoint_id,
      messageId: a.message_id,
      attemptedAt: a.attempted_at,
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      error: a.error,
      responseBody: a.response_body,
    }));
  }
}
