import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PollingLoop } from '@switchyard/messaging';
import { logPollingLoopErrors, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import { type StripeApi } from './stripe-api';
import { STRIPE_API } from './stripe-api.provider';
import { StoreStripeEventUseCase } from './store-stripe-event.usecase';
import { stripeEventsRecoveredTotal, stripeReconciliationRunsTotal } from './stripe-intake.metrics';
import { StripeSyncRepository } from './stripe-sync.repository';

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
  private readonly loop: PollingLoop | null;

  constructor(
    private readonly storeEvent: StoreStripeEventUseCase,
    private readonly sync: StripeSyncRepository,
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeReconciler.name);
    const intervalMs = config.STRIPE_RECONCILE_INTERVAL_MS;
    this.loop =
      stripe && intervalMs > 0
        ? new PollingLoop({
            intervalMs,
            // Not at start: a rolling deploy would have each new instance list Stripe's events.
            pauseFirst: true,
            work: async () => {
              await this.reconcile();
              return false;
            },
            onError: logPollingLoopErrors(this.logger, 'Stripe reconciliation'),
          })
        : null;
  }

  onApplicationBootstrap(): void {
    this.loop?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop?.stop();
  }

  async reconcile(): Promise<ReconciliationResult> {
    const stripe = this.stripe;
    if (!stripe) throw new Error('Reconciliation needs STRIPE_SECRET_KEY');
    try {
      const result = await this.sync.whileReconciling((db) => this.storeMissed(stripe, db));
      stripeReconciliationRunsTotal.inc({ result: 'ok' });
      return result ?? { listed: 0, recovered: 0 };
    } catch (err) {
      stripeReconciliationRunsTotal.inc({ result: 'error' });
      throw err;
    }
  }

  private async storeMissed(stripe: StripeApi, db: EntityManager): Promise<ReconciliationResult> {
    const last = await this.sync.lastCreated(db);
    const since =
      last === null
        ? Math.floor(Date.now() / 1000) - this.config.STRIPE_RECONCILE_LOOKBACK_SECONDS
        : last - OVERLAP_SECONDS;
    let listed = 0;
    let recovered = 0;
    let newest = last ?? since;
    for await (const event of stripe.eventsSince(Math.max(0, since))) {
      listed++;
      newest = Math.max(newest, event.created);
      if ((await this.storeEvent.execute(event, 'reconciliation')) === 'stored') recovered++;
    }
    await this.sync.advanceTo(db, newest);
    if (recovered > 0) stripeEventsRecoveredTotal.inc(recovered);
    this.logger.info({ listed, recovered, since }, 'Stripe reconciliation done');
    return { listed, recovered };
  }
}
