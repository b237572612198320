import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ContractViolationError } from '@switchyard/contracts';
import { newTraceparent, PollingLoop } from '@switchyard/messaging';
import { isDependencyFailure, nextAttemptDelay, retryPolicy } from '@switchyard/retry';
import { logPollingLoopErrors, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import {
  type ClaimedStripeEvent,
  storedEventsChannel,
  StripeEventsRepository,
} from '../stripe/stripe-events.repository';
import { ApplyStripeEventUseCase } from './apply-stripe-event.usecase';
import { type StripeEventLike, StripeEventMappingError } from './stripe-event.mapper';
import { stripeEventsProcessedTotal } from './stripe-processing.metrics';

const PROCESSING_RETRY = retryPolicy({ scheduleMs: [0, 1000, 5000, 30_000, 120_000, 600_000] });

/**
 * Turns stored Stripe events into payment.* domain events through the outbox. Each event is
 * claimed with SKIP LOCKED and processed in its own transaction, so instances can run side by
 * side and one bad event never holds back the others.
 */
@Injectable()
export class StripeEventProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: StripeEventsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly applyStripeEvent: ApplyStripeEventUseCase,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeEventProcessor.name);
    this.loop = new PollingLoop({
      intervalMs: config.STRIPE_PROCESSOR_POLL_MS,
      work: () => this.processSideBySide(),
      // Whatever makes an event due announces it (intake, reconciliation, a replay): every
      // instance's processor takes it at once.
      wakeOn: {
        connectionString: config.DATABASE_URL,
        channel: storedEventsChannel(config.DB_SCHEMA),
        applicationName: `switchyard-stripe-processor:${config.DB_SCHEMA}`,
      },
      onError: logPollingLoopErrors(this.logger, 'Stripe event processing'),
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.STRIPE_PROCESSOR_ENABLED) {
      this.logger.info('STRIPE_PROCESSOR_ENABLED=false: this instance only receives');
      return;
    }
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  /**
   * A round: as many events as STRIPE_PROCESSOR_CONCURRENCY at once, each claimed and applied in
   * its own transaction; true when any was due (more may be).
   */
  private async processSideBySide(): Promise<boolean> {
    const rounds = Array.from({ length: this.config.STRIPE_PROCESSOR_CONCURRENCY }, () =>
      this.processOne(),
    );
    const settled = await Promise.allSettled(rounds);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.some((r) => r.status === 'fulfilled' && r.value);
  }

  /** Processes one due event; false when none is due. */
  private async processOne(): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const claimed = await this.events.claimDue(manager);
      if (!claimed) return false;
      try {
        // A nested transaction is a savepoint: a failing event's writes are undone, its claim
        // stays, and the failure is recorded in the claiming transaction.
        await manager.transaction((attempt) => this.process(attempt, claimed));
      } catch (err) {
        // An outage is not the event's fault: nothing is recorded, the event is not charged an
        // attempt, and the loop waits for the database to come back.
        if (isDependencyFailure(err)) throw err;
        await this.recordFailure(manager, claimed, err);
      }
      return true;
    });
  }

  private async process(manager: EntityManager, claimed: ClaimedStripeEvent): Promise<void> {
    const traceparent = newTraceparent();
    // Intake stores only verified Stripe events; the mapper checks the fields it reads.
    const event = claimed.payload as StripeEventLike;
    const outcome = await this.applyStripeEvent.execute(manager, event, traceparent);
    await this.events.markDone(manager, claimed, {
      status: outcome.status,
      reason: outcome.status === 'ignored' ? outcome.reason : null,
    });
    stripeEventsProcessedTotal.inc({ result: outcome.status });
    this.logger.info(
      {
        stripeEventId: claimed.id,
        status: outcome.status,
        events:
          outcome.status === 'processed' ? outcome.events.map((e) => `${e.type}:${e.id}`) : [],
        traceId: traceparent.split('-')[1],
      },
      'Stripe event processed',
    );
  }

  private async recordFailure(
    manager: EntityManager,
    claimed: ClaimedStripeEvent,
    err: unknown,
  ): Promise<void> {
    const permanent =
      err instanceof StripeEventMappingError || err instanceof ContractViolationError;
    const attempts = claimed.attempts + 1;
    const delay = permanent ? null : nextAttemptDelay(PROCESSING_RETRY, { attemptsMade: attempts });
    const message =
      err instanceof StripeEventMappingError
        ? `${err.code}: ${err.message}`
        : err instanceof Error
          ? err.message
          : String(err);
    await this.events.markFailed(manager, claimed, { attempts, error: message, retryInMs: delay });
    stripeEventsProcessedTotal.inc({ result: delay === null ? 'failed' : 'retrying' });
    this.logger.warn(
      { stripeEventId: claimed.id, attempts, err: message, parked: delay === null },
      'Stripe event failed',
    );
  }
}
