import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type StripeApi } from './stripe-api';
import { STRIPE_API } from './stripe-api.provider';
import { type PaymentsConfig } from '../payments-env';
import { StripeEventStore } from './stripe-event.store';
import { stripeEventsRecoveredTotal } from './stripe-intake.metrics';

/** Events created in the same second as the newest seen may still be listed late: look back. */
const OVERLAP_SECONDS = 300;

export interface ReconciliationResult {
  readonly listed: number;
  readonly recovered: number;
}

/**
 * Lists Stripe's events since the newest one seen and stores any that never arrived as a
 * webhook, through the same idempotent store: a recovered event is processed like any other,
 * and one that did arrive is a duplicate that changes nothing. One instance runs it at a time.
 */
@Injectable()
export class StripeReconciler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: StripeEventStore,
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeReconciler.name);
  }

  onApplicationBootstrap(): void {
    const interval = this.config.STRIPE_RECONCILE_INTERVAL_MS;
    if (!this.stripe || interval === 0) return;
    this.timer = setInterval(() => {
      this.running = this.reconcile().catch((err) =>
        this.logger.error({ err }, 'Stripe reconciliation failed'),
      );
    }, interval);
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  async reconcile(): Promise<ReconciliationResult> {
    const stripe = this.stripe;
    if (!stripe) throw new Error('Reconciliation needs STRIPE_SECRET_KEY');
    const schema = `"${this.config.DB_SCHEMA}"`;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtext($1)) AS locked`,
        [`switchyard.stripe-reconcile.${this.config.DB_SCHEMA}`],
      );
      if (!locked) return { listed: 0, recovered: 0 };
      try {
        const [cursor]: { last_created: string }[] = await runner.query(
          `SELECT last_created FROM ${schema}.stripe_sync WHERE name = 'events'`,
        );
        const since = cursor
          ? Number(cursor.last_created) - OVERLAP_SECONDS
          : Math.floor(Date.now() / 1000) - this.config.STRIPE_RECONCILE_LOOKBACK_SECONDS;
        let listed = 0;
        let recovered = 0;
        let newest = cursor ? Number(cursor.last_created) : since;
        for await (const event of stripe.eventsSince(Math.max(0, since))) {
          listed++;
          newest = Math.max(newest, event.created);
          if ((await this.store.store(event, 'reconciliation')) === 'stored') recovered++;
        }
        await runner.query(
          `INSERT INTO ${schema}.stripe_sync (name, last_created) VALUES ('events', $1)
           ON CONFLICT (name) DO UPDATE SET last_created = GREATEST(${schema}.stripe_sync.last_created, EXCLUDED.last_created), updated_at = now()`,
          [newest],
        );
        if (recovered > 0) stripeEventsRecoveredTotal.inc(recovered);
        this.logger.info({ listed, recovered, since }, 'Stripe reconciliation done');
        return { listed, recovered };
      } finally {
        await runner.query(`SELECT pg_advisory_unlock(hashtext($1))`, [
          `switchyard.stripe-reconcile.${this.config.DB_SCHEMA}`,
        ]);
      }
    } finally {
      await runner.release();
    }
  }
}
