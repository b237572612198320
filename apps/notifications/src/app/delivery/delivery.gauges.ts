import { Injectable } from '@nestjs/common';
import { gauge, RepositorySql } from '@switchyard/service';
import { DataSource } from 'typeorm';

interface QueueReading {
  readonly due: number;
  readonly rateLimited: number;
  readonly oldestAge: number;
  readonly openCircuits: number;
  readonly failingEndpoints: number;
}

/**
 * The delivery queue as Prometheus sees it at scrape time: deliveries due and waiting for a
 * slot (and of them, those held to their endpoint's rate limit), how long the oldest has
 * waited, and circuits open. Read from the database, so they are
 * the same on every instance (dashboards take the max) and stay true when no worker runs.
 */
@Injectable()
export class DeliveryGauges {
  private reading: Promise<QueueReading> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: RepositorySql,
  ) {
    gauge(
      'switchyard_deliveries_due',
      'Deliveries due now and not yet sent: next attempt time passed, not leased, endpoint ' +
        'enabled and its circuit closed (what a worker could send at once)',
      [],
      async (g) => g.set((await this.read()).due),
    );
    gauge(
      'switchyard_deliveries_due_oldest_age_seconds',
      'How long the longest-waiting due delivery has been due (0 when none is)',
      [],
      async (g) => g.set((await this.read()).oldestAge),
    );
    gauge(
      'switchyard_deliveries_due_rate_limited',
      "Of the deliveries due, those at rate-limited endpoints: they leave at their endpoint's rate",
      [],
      async (g) => g.set((await this.read()).rateLimited),
    );
    gauge(
      'switchyard_endpoints_failing',
      'Enabled endpoints whose latest attempts failed (a failure streak not yet ended by a success)',
      [],
      async (g) => g.set((await this.read()).failingEndpoints),
    );
    gauge(
      'switchyard_endpoint_circuits_open',
      'Enabled endpoints whose circuit is open: they get no deliveries until it half-opens',
      [],
      async (g) => g.set((await this.read()).openCircuits),
    );
  }

  /** One read serves the three gauges of a scrape. */
  private read(): Promise<QueueReading> {
    this.reading ??= this.query().finally(() => setImmediate(() => (this.reading = null)));
    return this.reading;
  }

  private async query(): Promise<QueueReading> {
    const s = this.sql.schema;
    const row = await this.sql.first<{
      due: number;
      rate_limited: number;
      oldest_age: number;
      open_circuits: number;
      failing_endpoints: number;
    }>(
      this.dataSource.manager,
      `SELECT
         count(*)::int AS due,
         count(*) FILTER (WHERE e.rate_limit_per_second IS NOT NULL)::int AS rate_limited,
         coalesce(extract(epoch FROM now() - min(d.next_attempt_at)), 0)::float8 AS oldest_age,
         (SELECT count(*)::int FROM ${s}.endpoints
           WHERE enabled AND circuit_open_until > now()) AS open_circuits,
         (SELECT count(*)::int FROM ${s}.endpoints
           WHERE enabled AND consecutive_failures > 0) AS failing_endpoints
       FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
       WHERE d.status = 'pending' AND d.next_attempt_at <= now()
         AND (d.locked_until IS NULL OR d.locked_until < now())
         AND e.enabled AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= now())`,
    );
    return {
      due: row?.due ?? 0,
      rateLimited: row?.rate_limited ?? 0,
      oldestAge: row?.oldest_age ?? 0,
      openCircuits: row?.open_circuits ?? 0,
      failingEndpoints: row?.failing_endpoints ?? 0,
    };
  }
}
