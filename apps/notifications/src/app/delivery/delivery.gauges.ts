import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import {
  gauge,
  releaseGauges,
  RepositorySql,
  scrapeQuery,
  sharedPerScrape,
} from '@switchyard/service';
import { DataSource } from 'typeorm';

interface QueueReading {
  readonly due: number;
  readonly rateLimited: number;
  readonly oldestAge: number;
  readonly openCircuits: number;
  readonly failingEndpoints: number;
  readonly longestFailingSeconds: number;
}

/**
 * The delivery queue and the endpoints' health as Prometheus sees them at scrape time: what is
 * due and waiting (and of it, what an endpoint's rate limit holds back), how long the oldest has
 * waited, circuits open, endpoints failing and for how long the longest has. Read from the
 * database, so they are the same on every instance (dashboards take the max) and stay true when
 * no worker runs.
 */
@Injectable()
export class DeliveryGauges implements OnApplicationShutdown {
  /** One query serves the gauges of a scrape. */
  private readonly read = sharedPerScrape(() => this.query());

  constructor(
    private readonly dataSource: DataSource,
    private readonly sql: RepositorySql,
  ) {
    const from = (pick: (r: QueueReading) => number) => async (g: { set(v: number): void }) =>
      g.set(pick(await this.read()));
    gauge(
      'switchyard_deliveries_due',
      'Deliveries due now and not yet sent: next attempt time passed, not leased, endpoint ' +
        'enabled and its circuit closed (what a worker could send at once)',
      [],
      from((r) => r.due),
      this,
    );
    gauge(
      'switchyard_deliveries_due_rate_limited',
      "Of the deliveries due, those beyond what their endpoint's rate limit lets out in the " +
        'next second: they wait for the limit, not for a worker',
      [],
      from((r) => r.rateLimited),
      this,
    );
    gauge(
      'switchyard_deliveries_due_oldest_age_seconds',
      'How long the longest-waiting due delivery has been due (0 when none is)',
      [],
      from((r) => r.oldestAge),
      this,
    );
    gauge(
      'switchyard_endpoints_failing',
      'Enabled endpoints whose latest attempts failed (a failure streak not yet ended by a success)',
      [],
      from((r) => r.failingEndpoints),
      this,
    );
    gauge(
      'switchyard_endpoint_failing_longest_seconds',
      'How long the endpoint failing longest has failed every attempt (0 when none fails)',
      [],
      from((r) => r.longestFailingSeconds),
      this,
    );
    gauge(
      'switchyard_endpoint_circuits_open',
      'Enabled endpoints whose circuit is open: they get no deliveries until it half-opens',
      [],
      from((r) => r.openCircuits),
      this,
    );
  }

  onApplicationShutdown(): void {
    releaseGauges(this);
  }

  private async query(): Promise<QueueReading> {
    const s = this.sql.schema;
    const row = await scrapeQuery<{
      due: number;
      rate_limited: number;
      oldest_age: number;
      open_circuits: number;
      failing_endpoints: number;
      longest_failing: number;
    }>(
      this.dataSource,
      `WITH due AS (
         SELECT d.endpoint_id, count(*) AS n, min(d.next_attempt_at) AS oldest
         FROM ${s}.deliveries d JOIN ${s}.endpoints e ON e.id = d.endpoint_id
         WHERE d.status = 'pending' AND d.next_attempt_at <= now()
           AND (d.locked_until IS NULL OR d.locked_until < now())
           AND e.enabled AND (e.circuit_open_until IS NULL OR e.circuit_open_until <= now())
         GROUP BY d.endpoint_id
       ), health AS (
         SELECT count(*) FILTER (WHERE circuit_open_until > now())::int AS open_circuits,
                count(*) FILTER (WHERE consecutive_failures > 0)::int AS failing_endpoints,
                coalesce(extract(epoch FROM now() - min(failing_since)), 0)::float8 AS longest_failing
         FROM ${s}.endpoints WHERE enabled
       )
       SELECT coalesce(sum(due.n), 0)::int AS due,
              coalesce(sum(greatest(0, due.n - e.rate_limit_per_second)), 0)::int AS rate_limited,
              coalesce(extract(epoch FROM now() - min(due.oldest)), 0)::float8 AS oldest_age,
              health.open_circuits, health.failing_endpoints, health.longest_failing
       FROM health
       LEFT JOIN due ON true
       LEFT JOIN ${s}.endpoints e ON e.id = due.endpoint_id
       GROUP BY health.open_circuits, health.failing_endpoints, health.longest_failing`,
    );
    return {
      due: row?.due ?? 0,
      rateLimited: row?.rate_limited ?? 0,
      oldestAge: row?.oldest_age ?? 0,
      openCircuits: row?.open_circuits ?? 0,
      failingEndpoints: row?.failing_endpoints ?? 0,
      longestFailingSeconds: row?.longest_failing ?? 0,
    };
  }
}
