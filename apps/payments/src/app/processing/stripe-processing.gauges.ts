import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { gauge, releaseGauges, RepositorySql, scrapeQuery } from '@switchyard/service';
import { DataSource } from 'typeorm';

/**
 * Stripe events parked after failing (they wait for an operator's reprocess), read at scrape
 * time: the same on every instance, and true whether or not a processor runs.
 */
@Injectable()
export class StripeProcessingGauges implements OnApplicationShutdown {
  constructor(dataSource: DataSource, sql: RepositorySql) {
    gauge(
      'switchyard_stripe_events_parked',
      'Stored Stripe events parked as failed, waiting for an operator to reprocess them',
      [],
      async (g) => {
        const row = await scrapeQuery<{ parked: number }>(
          dataSource,
          `SELECT count(*)::int AS parked FROM ${sql.schema}.stripe_events WHERE status = 'failed'`,
        );
        g.set(row?.parked ?? 0);
      },
      this,
    );
  }

  onApplicationShutdown(): void {
    releaseGauges(this);
  }
}
