import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';

/** An endpoint's health after a failed attempt. */
export interface FailureStreak {
  readonly enabled: boolean;
  /** How long the endpoint has failed without a single success. */
  readonly failingForMs: number;
}

/** What an endpoint was when it was disabled, for the notice its partner gets. */
export interface DisabledEndpoint {
  readonly partnerId: string;
  readonly url: string;
  readonly failingSince: Date | null;
}

/**
 * Ends the failure streak and closes the circuit of the endpoints `which` selects (a condition on
 * `id`), as a statement of its own or a CTE of a caller's. A healthy endpoint's row is left
 * alone: concurrent successes need not queue for its lock.
 */
export function healEndpointsSql(schema: string, which: string): string {
  const failing = `(consecutive_failures <> 0 OR failing_since IS NOT NULL OR circuit_open_until IS NOT NULL)`;
  // Locked in the order of their ids first: two instances healing some of the same endpoints
  // take their rows in the same order, and never wait for each other's (a deadlock).
  return `UPDATE ${schema}.endpoints
       SET consecutive_failures = 0, failing_since = NULL, circuit_open_until = NULL
       WHERE id IN (SELECT id FROM ${schema}.endpoints WHERE ${which} AND ${failing}
                    ORDER BY id FOR NO KEY UPDATE)
         AND ${failing}`;
}

/**
 * What delivery keeps on an endpoint's row, shared by every instance: its rate slot (GCRA), its
 * circuit, its failure streak and whether delivery disabled it.
 */
@Injectable()
export class EndpointStateRepository {
  constructor(private readonly sql: RepositorySql) {}

  /** Takes the endpoint's next rate slot if it has come; false when another request has it. */
  async takeRateSlot(endpointId: string, db: EntityManager): Promise<boolean> {
    const won = await this.sql.rows(
      db,
      `UPDATE ${this.sql.schema}.endpoints
       SET rate_next_at = GREATEST(rate_next_at, now()) + make_interval(secs => 1.0 / rate_limit_per_second)
       WHERE id = $1 AND rate_next_at <= now() RETURNING id`,
      [endpointId],
    );
    return won.length > 0;
  }

  /**
   * Takes the single probe of a circuit whose cool-down is over, shutting it for another
   * cool-down until the probe's answer; false when another instance took it.
   */
  async takeProbe(endpointId: string, cooldownMs: number, db: EntityManager): Promise<boolean> {
    const won = await this.sql.rows(
      db,
      `UPDATE ${this.sql.schema}.endpoints SET circuit_open_until = now() + make_interval(secs => $2 / 1000.0)
       WHERE id = $1 AND (circuit_open_until IS NULL OR circuit_open_until <= now()) RETURNING id`,
      [endpointId, cooldownMs],
    );
    return won.length > 0;
  }

  /** A success ends the failure streak and closes the circuit. */
  async recordSuccess(endpointIds: readonly string[], db: EntityManager): Promise<void> {
    if (endpointIds.length === 0) return;
    await this.sql.affected(
      db,
      healEndpointsSql(this.sql.schema, 'id = ANY($1::uuid[])'),
      [endpointIds],
      { planForValues: true },
    );
  }

  /** A failure lengthens the streak; at `threshold` failures in a row the circuit opens for `cooldownMs`. */
  async recordFailure(
    endpointId: string,
    breaker: { readonly threshold: number; readonly cooldownMs: number },
    db: EntityManager,
  ): Promise<FailureStreak | undefined> {
    const row = await this.sql.first<{ enabled: boolean; failing_for_ms: number | string }>(
      db,
      `UPDATE ${this.sql.schema}.endpoints
       SET consecutive_failures = consecutive_failures + 1, failing_since = COALESCE(failing_since, now()),
         circuit_open_until = CASE WHEN consecutive_failures + 1 >= $2 THEN now() + make_interval(secs => $3 / 1000.0)
                                   ELSE circuit_open_until END
       WHERE id = $1
       RETURNING enabled, EXTRACT(EPOCH FROM (now() - failing_since)) * 1000 AS failing_for_ms`,
      [endpointId, breaker.threshold, breaker.cooldownMs],
    );
    return row && { enabled: row.enabled, failingForMs: Number(row.failing_for_ms) };
  }

  /**
   * Ends the failure streak and closes the circuit at once, as an operator's reset does once the
   * partner's endpoint works again; false when there was neither to clear.
   */
  async resetCircuit(endpointId: string, db: EntityManager): Promise<boolean> {
    return (
      (await this.sql.affected(db, healEndpointsSql(this.sql.schema, 'id = $1'), [endpointId])) > 0
    );
  }

  async disable(
    endpointId: string,
    reason: string,
    db: EntityManager,
  ): Promise<DisabledEndpoint | undefined> {
    const row = await this.sql.first<{
      partner_id: string;
      url: string;
      failing_since: Date | null;
    }>(
      db,
      `UPDATE ${this.sql.schema}.endpoints SET enabled = false, disabled_reason = $2, updated_at = now()
       WHERE id = $1 RETURNING partner_id, url, failing_since`,
      [endpointId, reason],
    );
    return row && { partnerId: row.partner_id, url: row.url, failingSince: row.failing_since };
  }
}
