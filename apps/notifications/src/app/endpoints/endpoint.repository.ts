import { Injectable } from '@nestjs/common';
import { inboxInsertSql, type InboxRow } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { ownedByPartner } from '../partners/owned-by-partner';
import { type SubscriptionFilter } from '../subscriptions/subscription-filter';
import { type Endpoint, type PayloadMode } from './endpoint';

interface EndpointRow {
  id: string;
  partner_id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
  headers: Record<string, string>;
  disabled_reason: string | null;
  rate_limit_per_second: number | null;
  fifo: boolean;
  retry_schedule: string | null;
  filter: SubscriptionFilter | null;
  payload_mode: PayloadMode;
  created_at: Date;
}

const COLUMNS = `id, partner_id, url, description, event_types, enabled, headers, disabled_reason,
  rate_limit_per_second, fifo, retry_schedule, filter, payload_mode, created_at`;

function toEndpoint(row: EndpointRow): Endpoint {
  return {
    id: row.id,
    partnerId: row.partner_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    headers: row.headers,
    rateLimitPerSecond: row.rate_limit_per_second,
    fifo: row.fifo,
    retrySchedule: row.retry_schedule,
    filter: row.filter,
    payloadMode: row.payload_mode,
    createdAt: row.created_at,
  };
}

export interface NewEndpoint {
  readonly id: string;
  readonly partnerId: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: readonly string[];
  readonly secret: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly rateLimitPerSecond: number | null;
  readonly fifo: boolean;
  readonly retrySchedule: string | null;
  readonly filter: SubscriptionFilter | null;
  readonly payloadMode: PayloadMode;
}

/** What a partner changes; a field left out stays as it is, `null` clears a nullable one. */
export interface EndpointChange {
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: readonly string[];
  readonly enabled?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly rateLimitPerSecond?: number | null;
  readonly fifo?: boolean;
  readonly retrySchedule?: string | null;
  readonly filter?: SubscriptionFilter | null;
  readonly payloadMode?: PayloadMode;
}

export interface EndpointSecrets {
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAt: Date | null;
}

/** Where an endpoint list resumes: the last endpoint shown, in the list's order. */
export interface EndpointListPosition {
  readonly createdAt: string;
  readonly id: string;
}

/** An endpoint as fan-out sees it: whose it is, and the filter its deliveries must pass. */
export interface SubscribedEndpoint {
  readonly id: string;
  readonly partnerId: string;
  readonly filter: SubscriptionFilter | null;
  /** Changes with every update: a cached compiled filter older than this is stale. */
  readonly updatedAt: Date;
}

/** The endpoints table as partners configure it. Every partner-facing query is scoped to the partner. */
@Injectable()
export class EndpointRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  async create(endpoint: NewEndpoint, db: EntityManager = this.dataSource.manager) {
    const row = await this.sql.first<EndpointRow>(
      db,
      `INSERT INTO ${this.sql.schema}.endpoints
         (id, partner_id, url, description, event_types, secret, headers, rate_limit_per_second, fifo, retry_schedule,
          filter, payload_mode)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ${COLUMNS}`,
      [
        endpoint.id,
        endpoint.partnerId,
        endpoint.url,
        endpoint.description,
        endpoint.eventTypes,
        endpoint.secret,
        JSON.stringify(endpoint.headers),
        endpoint.rateLimitPerSecond,
        endpoint.fifo,
        endpoint.retrySchedule,
        endpoint.filter === null ? null : JSON.stringify(endpoint.filter),
        endpoint.payloadMode,
      ],
    );
    if (!row) throw new Error(`inserting endpoint ${endpoint.id} returned no row`);
    return toEndpoint(row);
  }

  async find(
    partnerId: string,
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Endpoint | undefined> {
    const row = await this.sql.first<EndpointRow>(
      db,
      `SELECT ${COLUMNS} FROM ${this.sql.schema}.endpoints WHERE id = $1 AND partner_id = $2`,
      [id, partnerId],
    );
    return row && toEndpoint(row);
  }

  exists(
    partnerId: string,
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    return ownedByPartner(this.sql, db, 'endpoints', { partnerId, id });
  }

  /**
   * Up to `limit` of the partner's endpoints, oldest first, after `after`. The order is on the
   * creation time to the millisecond, as the position carries it, so no endpoint is skipped or
   * shown twice across pages.
   */
  async list(
    partnerId: string,
    limit: number,
    after: EndpointListPosition | null,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Endpoint[]> {
    const rows = await this.sql.rows<EndpointRow>(
      db,
      `SELECT ${COLUMNS} FROM ${this.sql.schema}.endpoints
       WHERE partner_id = $1
         AND ($2::timestamptz IS NULL OR (date_trunc('milliseconds', created_at), id) > ($2, $3::uuid))
       ORDER BY date_trunc('milliseconds', created_at), id LIMIT $4`,
      [partnerId, after?.createdAt ?? null, after?.id ?? null, limit],
    );
    return rows.map(toEndpoint);
  }

  /** Applies a change; re-enabling clears the disabled reason, disabling says the partner did it. */
  async update(
    partnerId: string,
    id: string,
    change: EndpointChange,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Endpoint | undefined> {
    const row = await this.sql.first<EndpointRow>(
      db,
      `UPDATE ${this.sql.schema}.endpoints SET
         url = COALESCE($3, url), description = COALESCE($4, description),
         event_types = COALESCE($5, event_types), enabled = COALESCE($6, enabled),
         headers = COALESCE($7, headers),
         rate_limit_per_second = CASE WHEN $8::boolean THEN $9::integer ELSE rate_limit_per_second END,
         fifo = COALESCE($10, fifo),
         retry_schedule = CASE WHEN $11::boolean THEN $12::text ELSE retry_schedule END,
         filter = CASE WHEN $13::boolean THEN $14::jsonb ELSE filter END,
         payload_mode = COALESCE($15, payload_mode),
         disabled_reason = CASE WHEN $6 IS NULL THEN disabled_reason WHEN $6 THEN NULL ELSE 'disabled by the partner' END,
         updated_at = now()
       WHERE id = $1 AND partner_id = $2 RETURNING ${COLUMNS}`,
      [
        id,
        partnerId,
        change.url ?? null,
        change.description ?? null,
        change.eventTypes ?? null,
        change.enabled ?? null,
        change.headers ? JSON.stringify(change.headers) : null,
        change.rateLimitPerSecond !== undefined,
        change.rateLimitPerSecond ?? null,
        change.fifo ?? null,
        change.retrySchedule !== undefined,
        change.retrySchedule ?? null,
        change.filter !== undefined,
        change.filter === undefined || change.filter === null
          ? null
          : JSON.stringify(change.filter),
        change.payloadMode ?? null,
      ],
    );
    return row && toEndpoint(row);
  }

  async secrets(
    partnerId: string,
    id: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<EndpointSecrets | undefined> {
    const row = await this.sql.first<{
      secret: string;
      previous_secret: string | null;
      previous_secret_expires_at: Date | null;
    }>(
      db,
      `SELECT secret, previous_secret, previous_secret_expires_at FROM ${this.sql.schema}.endpoints
       WHERE id = $1 AND partner_id = $2`,
      [id, partnerId],
    );
    return (
      row && {
        secret: row.secret,
        previousSecret: row.previous_secret,
        previousSecretExpiresAt: row.previous_secret_expires_at,
      }
    );
  }

  /** The new secret signs from now on; the current one keeps signing beside it until `graceSeconds` pass. */
  async rotateSecret(
    partnerId: string,
    id: string,
    secret: string,
    graceSeconds: number,
    db: EntityManager = this.dataSource.manager,
  ): Promise<{ secret: string; previousSecretExpiresAt: Date } | undefined> {
    const row = await this.sql.first<{ secret: string; previous_secret_expires_at: Date }>(
      db,
      `UPDATE ${this.sql.schema}.endpoints SET previous_secret = secret, secret = $3,
         previous_secret_expires_at = now() + make_interval(secs => $4), updated_at = now()
       WHERE id = $1 AND partner_id = $2 RETURNING secret, previous_secret_expires_at`,
      [id, partnerId, secret, graceSeconds],
    );
    return row && { secret: row.secret, previousSecretExpiresAt: row.previous_secret_expires_at };
  }

  /** Enabled endpoints, of every partner, subscribed to any of these event-type patterns. */
  async subscribedTo(
    patterns: readonly string[],
    db: EntityManager = this.dataSource.manager,
  ): Promise<SubscribedEndpoint[]> {
    const rows = await this.sql.rows<SubscribedRow>(
      db,
      `SELECT id, partner_id, filter, updated_at FROM ${this.sql.schema}.endpoints
       WHERE enabled AND event_types && $1::text[]`,
      [patterns],
    );
    return rows.map(subscribedEndpointOf);
  }

  /**
   * The endpoints subscribed to any of these patterns, read for an event taken alone: when none
   * is, the same statement writes the event's inbox row and settles it (`took`), so an event
   * nothing subscribes to costs one round trip, not a read and then a write. When some are, the
   * row is left to the fan-out's write.
   */
  async subscribedToOrRecord(
    patterns: readonly string[],
    inboxRow: InboxRow,
    db: EntityManager = this.dataSource.manager,
  ): Promise<SubscribedEndpoint[]> {
    const inbox = inboxInsertSql(inboxRow.schema, ['$2', '$3', '$4'], {
      onlyIf: 'NOT EXISTS (SELECT 1 FROM subscribed)',
    });
    // One row per endpoint, or, with none, one row saying whether the inbox row is new.
    const rows = await this.sql.rows<SubscribedRow & { recorded: number | null }>(
      db,
      `WITH subscribed AS MATERIALIZED (
         SELECT id, partner_id, filter, updated_at FROM ${this.sql.schema}.endpoints
         WHERE enabled AND event_types && $1::text[]),
       inbox AS (${inbox})
       SELECT id, partner_id, filter, updated_at, NULL::int AS recorded FROM subscribed
       UNION ALL
       SELECT NULL, NULL, NULL, NULL, (SELECT count(*) FROM inbox)::int
       WHERE NOT EXISTS (SELECT 1 FROM subscribed)`,
      [patterns, ...inboxRow.params],
    );
    const [first] = rows;
    if (rows.length === 1 && first && first.recorded !== null) {
      inboxRow.took(first.recorded > 0);
      return [];
    }
    return rows.map(subscribedEndpointOf);
  }
}

/** An endpoint's row as the subscribed-endpoints reads answer it. */
interface SubscribedRow {
  id: string;
  partner_id: string;
  filter: SubscriptionFilter | null;
  updated_at: Date;
}

function subscribedEndpointOf(r: SubscribedRow): SubscribedEndpoint {
  return { id: r.id, partnerId: r.partner_id, filter: r.filter, updatedAt: r.updated_at };
}
