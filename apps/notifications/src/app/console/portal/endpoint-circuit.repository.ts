import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource } from 'typeorm';

/**
 * An endpoint's circuit as delivery leaves it on the row (EndpointStateRepository writes it):
 * `circuit_open_until` is set only once the breaker trips and cleared by a success, so a time in
 * the future is an open circuit and a time past is a circuit whose next delivery probes it.
 */
export interface CircuitState {
  readonly kind: 'closed' | 'open' | 'half-open';
  /** Until when deliveries wait, while open. */
  readonly openUntil: Date | null;
  readonly consecutiveFailures: number;
  /** Since when the endpoint has failed without a single success. */
  readonly failingSince: Date | null;
}

interface CircuitRow {
  consecutive_failures: number;
  failing_since: Date | null;
  circuit_open_until: Date | null;
  open: boolean;
}

/** Reads an endpoint's circuit for its partner; the database's clock decides whether it is open. */
@Injectable()
export class EndpointCircuitRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  async of(partnerId: string, endpointId: string): Promise<CircuitState | undefined> {
    const row = await this.sql.first<CircuitRow>(
      this.dataSource.manager,
      `SELECT consecutive_failures, failing_since, circuit_open_until,
         circuit_open_until IS NOT NULL AND circuit_open_until > now() AS open
       FROM ${this.sql.schema}.endpoints WHERE id = $1 AND partner_id = $2`,
      [endpointId, partnerId],
    );
    if (!row) return undefined;
    const kind = row.circuit_open_until === null ? 'closed' : row.open ? 'open' : 'half-open';
    return {
      kind,
      openUntil: kind === 'open' ? row.circuit_open_until : null,
      consecutiveFailures: row.consecutive_failures,
      failingSince: row.failing_since,
    };
  }
}
