import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';

/** One request to an endpoint, or push to a device, and what came of it. */
export interface Attempt {
  /** A bigint, as text: ids outgrow JavaScript's safe integers long before the column does. */
  readonly id: string;
  /** The target: an endpoint (webhooks) or a device (pushes, with its customer). */
  readonly endpointId: string | null;
  readonly deviceId: string | null;
  readonly customerId: string | null;
  readonly eventId: string;
  readonly messageId: string;
  readonly attemptedAt: Date;
  readonly statusCode: number | null;
  readonly latencyMs: number;
  readonly error: string | null;
  readonly responseBody: string | null;
  /** The headers as sent (webhooks; credentials redacted), where they were recorded. */
  readonly requestHeaders: Readonly<Record<string, string>> | null;
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
  readonly requestHeaders?: Readonly<Record<string, string>> | null;
}

/**
 * Whose attempts: one endpoint's, one message's to every endpoint, one device's pushes to its
 * customer (not those to a customer it belonged to before), or every push to one customer
 * (devices removed since included).
 */
export type AttemptScope =
  | { readonly endpointId: string }
  | { readonly messageId: string }
  | { readonly deviceId: string; readonly customerId: string }
  | { readonly customerId: string };

/** The condition on deliveries a scope selects by (each has an index), with $1 and $5. */
function scopeCondition(scope: AttemptScope): [string, string, string | null] {
  if ('endpointId' in scope) return ['d.endpoint_id = $1', scope.endpointId, null];
  if ('messageId' in scope) return ['d.message_id = $1', scope.messageId, null];
  if ('deviceId' in scope)
    return ['d.device_id = $1 AND d.customer_id = $5', scope.deviceId, scope.customerId];
  return ['d.customer_id = $1', scope.customerId, null];
}

export interface AttemptFilter {
  readonly status?: 'succeeded' | 'failed';
  readonly limit: number;
  /** Only attempts older than this one. */
  readonly beforeId: string | null;
}

interface AttemptRow {
  id: string;
  endpoint_id: string | null;
  device_id: string | null;
  customer_id: string | null;
  event_id: string;
  message_id: string;
  attempted_at: Date;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
  response_body: string | null;
  request_headers: Record<string, string> | null;
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
      `INSERT INTO ${this.sql.schema}.attempts (delivery_id, event_id, status_code, latency_ms, error, response_body, sent_by, request_headers)
       SELECT d, e, c, l, er, r, s, h::jsonb
       FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
         AS a(d, e, c, l, er, r, s, h)`,
      [
        attempts.map((a) => a.deliveryId),
        attempts.map((a) => a.eventId),
        attempts.map((a) => a.statusCode),
        attempts.map((a) => a.latencyMs),
        attempts.map((a) => a.error),
        attempts.map((a) => a.responseBody),
        attempts.map((a) => a.sentBy),
        attempts.map((a) => (a.requestHeaders ? JSON.stringify(a.requestHeaders) : null)),
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
    const [condition, value, customerId] = scopeCondition(scope);
    const rows = await this.sql.rows<AttemptRow>(
      db,
      `SELECT a.id, d.endpoint_id, d.device_id, d.customer_id, a.event_id, d.message_id, a.attempted_at,
         a.status_code, a.latency_ms, a.error, a.response_body, a.request_headers
       FROM ${s}.attempts a JOIN ${s}.deliveries d ON d.id = a.delivery_id AND d.event_id = a.event_id
       WHERE ${condition}
         AND ($2::text IS NULL OR ($2 = 'succeeded') = COALESCE(a.status_code BETWEEN 200 AND 299, false))
         AND ($3::bigint IS NULL OR a.id < $3)
       ORDER BY a.id DESC LIMIT $4`,
      [
        value,
        filter.status ?? null,
        filter.beforeId,
        filter.limit,
        ...(customerId === null ? [] : [customerId]),
      ],
    );
    return rows.map((a) => ({
      id: a.id,
      endpointId: a.endpoint_id,
      deviceId: a.device_id,
      customerId: a.customer_id,
      eventId: a.event_id,
      messageId: a.message_id,
      attemptedAt: a.attempted_at,
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      error: a.error,
      responseBody: a.response_body,
      requestHeaders: a.request_headers,
    }));
  }
}
