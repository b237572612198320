import { Injectable } from '@nestjs/common';
import { dayBound, dayOf, RepositorySql } from '@switchyard/service';
import { DataSource } from 'typeorm';

export interface DeliveryFigures {
  readonly partners: number;
  readonly endpointsEnabled: number;
  readonly endpointsDisabled: number;
  readonly circuitsOpen: number;
  readonly endpointsFailing: number;
  readonly succeeded24h: number;
  readonly failed24h: number;
  readonly waiting: number;
}

export interface PartnerSummary {
  readonly id: string;
  readonly name: string;
  readonly endpoints: number;
  readonly createdAt: Date;
}

/** What the operator screens read across partners; partners' own screens never use it. */
@Injectable()
export class ConsoleOverviewRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  async figures(): Promise<DeliveryFigures> {
    const s = this.sql.schema;
    const row = await this.sql.first<Record<keyof DeliveryFigures, number>>(
      this.dataSource.manager,
      `SELECT (SELECT count(*)::int FROM ${s}.partners) AS "partners",
              (SELECT count(*)::int FROM ${s}.endpoints WHERE enabled) AS "endpointsEnabled",
              (SELECT count(*)::int FROM ${s}.endpoints WHERE NOT enabled) AS "endpointsDisabled",
              (SELECT count(*)::int FROM ${s}.endpoints
                WHERE enabled AND circuit_open_until > now()) AS "circuitsOpen",
              (SELECT count(*)::int FROM ${s}.endpoints
                WHERE enabled AND consecutive_failures > 0) AS "endpointsFailing",
              count(*) FILTER (WHERE d.status = 'succeeded')::int AS "succeeded24h",
              count(*) FILTER (WHERE d.status = 'failed')::int AS "failed24h",
              count(*) FILTER (WHERE d.status = 'pending')::int AS "waiting"
       FROM ${s}.deliveries d
       WHERE d.updated_at > now() - interval '24 hours' AND d.endpoint_id IS NOT NULL
         AND d.event_id >= $1::uuid`,
      // Deliveries are partitioned by their event's time: only yesterday's and today's are read.
      [dayBound('uuidv7', dayOf(Date.now() - 86_400_000))],
    );
    if (!row) throw new Error('the overview query returned no row');
    return row;
  }

  /** Partners, newest first, with how many endpoints each has. */
  async partners(limit: number): Promise<PartnerSummary[]> {
    const s = this.sql.schema;
    const rows = await this.sql.rows<{
      id: string;
      name: string;
      endpoints: number;
      created_at: Date;
    }>(
      this.dataSource.manager,
      `SELECT p.id, p.name, p.created_at,
              (SELECT count(*)::int FROM ${s}.endpoints e WHERE e.partner_id = p.id) AS endpoints
       FROM ${s}.partners p ORDER BY p.created_at DESC, p.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      endpoints: r.endpoints,
      createdAt: r.created_at,
    }));
  }
}
