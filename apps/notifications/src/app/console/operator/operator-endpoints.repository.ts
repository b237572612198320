import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource } from 'typeorm';

/**
 * Where an endpoint stands for delivery: disabled; enabled with its circuit open (nothing goes
 * until the cool-down ends); failing (enabled, the last attempts failed, the circuit still
 * closed); or healthy.
 */
export type EndpointHealth = 'disabled' | 'circuit-open' | 'failing' | 'healthy';

export const ENDPOINT_HEALTHS = [
  'healthy',
  'failing',
  'circuit-open',
  'disabled',
] as const satisfies readonly EndpointHealth[];

/** An endpoint as the operator sees it: whose it is, and its delivery state. */
export interface OperatorEndpoint {
  readonly id: string;
  readonly partnerId: string;
  readonly partnerName: string;
  readonly url: string;
  readonly eventTypes: string[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly health: EndpointHealth;
  readonly consecutiveFailures: number;
  readonly failingSince: Date | null;
  readonly circuitOpenUntil: Date | null;
  readonly createdAt: Date;
}

export interface OperatorEndpointFilter {
  readonly partnerId?: string;
  readonly health?: EndpointHealth;
  readonly limit: number;
  /** Only endpoints older than this one, in the list's order (newest first). */
  readonly before: { readonly createdAt: string; readonly id: string } | null;
}

interface Row {
  id: string;
  partner_id: string;
  partner_name: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  health: EndpointHealth;
  consecutive_failures: number;
  failing_since: Date | null;
  circuit_open_until: Date | null;
  created_at: Date;
}

/** The health of an endpoint row `e`, as the claim of due deliveries judges it (now). */
const HEALTH = `CASE WHEN NOT e.enabled THEN 'disabled'
                     WHEN e.circuit_open_until > now() THEN 'circuit-open'
                     WHEN e.consecutive_failures > 0 THEN 'failing'
                     ELSE 'healthy' END`;

/** Endpoints `e` with their partner's name and their health. */
function selectEndpoints(schema: string): string {
  return `SELECT e.id, e.partner_id, p.name AS partner_name, e.url, e.event_types, e.enabled, e.disabled_reason,
                 ${HEALTH} AS health, e.consecutive_failures, e.failing_since, e.circuit_open_until, e.created_at
          FROM ${schema}.endpoints e JOIN ${schema}.partners p ON p.id = e.partner_id`;
}

function toEndpoint(r: Row): OperatorEndpoint {
  return {
    id: r.id,
    partnerId: r.partner_id,
    partnerName: r.partner_name,
    url: r.url,
    eventTypes: r.event_types,
    enabled: r.enabled,
    disabledReason: r.disabled_reason,
    health: r.health,
    consecutiveFailures: r.consecutive_failures,
    failingSince: r.failing_since,
    circuitOpenUntil: r.circuit_open_until,
    createdAt: r.created_at,
  };
}

/** Every partner's endpoints with their delivery state, for the operator's screens only. */
@Injectable()
export class OperatorEndpointsRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Newest first, to the millisecond the position carries (as the partner's list), so no
   * endpoint is skipped or shown twice across pages.
   */
  async list(filter: OperatorEndpointFilter): Promise<OperatorEndpoint[]> {
    const rows = await this.sql.rows<Row>(
      this.dataSource.manager,
      `SELECT * FROM (
         ${selectEndpoints(this.sql.schema)}
         WHERE ($1::uuid IS NULL OR e.partner_id = $1)
           AND ($3::timestamptz IS NULL OR (date_trunc('milliseconds', e.created_at), e.id) < ($3, $4::uuid))) x
       WHERE $2::text IS NULL OR health = $2
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT $5`,
      [
        filter.partnerId ?? null,
        filter.health ?? null,
        filter.before?.createdAt ?? null,
        filter.before?.id ?? null,
        filter.limit,
      ],
    );
    return rows.map(toEndpoint);
  }

  async find(id: string): Promise<OperatorEndpoint | undefined> {
    const row = await this.sql.first<Row>(
      this.dataSource.manager,
      `${selectEndpoints(this.sql.schema)} WHERE e.id = $1`,
      [id],
    );
    return row && toEndpoint(row);
  }
}
