import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ContractViolationError } from '@switchyard/contracts';
import { newTraceparent, PollingLoop } from '@switchyard/messaging';
import { isDependencyFailure, nextAttemptDelay, retryPolicy } from '@switchyard/retry';
import { SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import { ApplyStripeEventUseCase } from './apply-stripe-event.usecase';
import { type StripeEventLike, StripeEventMappingError } from './stripe-event.mapper';
import { storedEventsChannel } from '../stripe/stripe-event.store';
import { stripeEventsProcessedTotal } from './stripe-processing.metrics';

interface ClaimedEvent {
  id: string;
  created: string;
  payload: StripeEventLike;
  attempts: number;
}

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
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly applyStripeEvent: ApplyStripeEventUseCase,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeEventProcessor.name);
    this.loop = new PollingLoop({
      intervalMs: config.STRIPE_PROCESSOR_POLL_MS,
      work: () => this.processOne(),
      // The store announces each new event: every instance's processor takes it at once.
      wakeOn: {
        connectionString: config.DATABASE_URL,
        channel: storedEventsChannel(config.DB_SCHEMA),
        applicationName: `switchyard-stripe-processor:${config.DB_SCHEMA}`,
      },
      onError: (err, { outage, waitMs }) =>
        outage
          ? this.logger.warn(
              { err: String(err), waitMs },
              'Stripe event processing waits for the database',
            )
          : this.logger.error({ err }, 'Stripe event processing failed; retrying'),
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

  wake(): void {
    this.loop.wake();
  }

  /** Processes one due event; false when none is due. */
  private async processOne(): Promise<boolean> {
    const schema = this.config.DB_SCHEMA;
    return this.dataSource.transaction(async (manager) => {
      const [claimed]: ClaimedEvent[] = await manager.query(
        `SELECT id, created, payload, attempts FROM "${schema}".stripe_events
         WHERE status = 'received' AND next_attempt_at <= now()
         ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      if (!claimed) return false;
      await manager.query('SAVEPOINT process_event');
      try {
        await this.process(manager, claimed);
      } catch (err) {
        // An outage is not the event's fault: nothing is recorded, the event is not charged an
        // attempt, and the loop waits for the database to come back.
        if (isDependencyFailure(err)) throw err;
        await manager.query('ROLLBACK TO SAVEPOINT process_event');
        await this.recordFailure(manager, claimed, err);
      }
      return true;
    });
  }

  private async process(manager: EntityManager, claimed: ClaimedEvent): Promise<void> {
    const schema = this.config.DB_SCHEMA;
    const traceparent = newTraceparent();
    const outcome = await this.applyStripeEvent.execute(manager, claimed.payload, traceparent);
    await manager.query(
      `UPDATE "${schema}".stripe_events
       SET status = $2, last_error = $3, attempts = attempts + 1, processed_at = now() WHERE id = $1 AND created = $4`,
      [
        claimed.id,
        outcome.status,
        outcome.status === 'ignored' ? outcome.reason : null,
        claimed.created,
      ],
    );
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
    claimed: ClaimedEvent,
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
    await manager.query(
      `UPDATE "${this.config.DB_SCHEMA}".stripe_events
       SET attempts = $2, last_error = $3,
           status = CASE WHEN $4::bigint IS NULL THEN 'failed' ELSE 'received' END,
           next_attempt_at = now() + make_interval(secs => COALESCE($4::bigint, 0) / 1000.0)
       WHERE id = $1 AND created = $5`,
      [claimed.id, attempts, message, delay, claimed.created],
    );
    stripeEventsProcessedTotal.inc({ result: delay === null ? 'failed' : 'retrying' });
    this.logger.warn(
      { stripeEventId: claimed.id, attempts, err: message, parked: delay === null },
      'Stripe event failed',
    );
  }
}
