import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type BeforeApplicationShutdown,
} from '@nestjs/common';
import { ContractViolationError } from '@switchyard/contracts';
import {
  childTraceparent,
  markFailed,
  newTraceparent,
  PollingLoop,
  type Span,
  SpanKind,
  startSpan,
  traceIdOf,
  traceparentOf,
  WakeUps,
  writeTogether,
} from '@switchyard/messaging';
import { isConflict, isDependencyFailure, nextAttemptDelay, retryPolicy } from '@switchyard/retry';
import { afterCommit, logPollingLoopErrors, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import {
  type ClaimedStripeEvent,
  storedEventsChannel,
  type StripeEventClaim,
  type StripeEventKey,
  StripeEventsRepository,
} from '../stripe/stripe-events.repository';
import {
  type AppliedBatch,
  type ApplyOutcome,
  ApplyStripeEventUseCase,
  assertStatesAdded,
} from './apply-stripe-event.usecase';
import { type KnownPayment } from './payment-batch';
import { type PaymentKnownRow, PaymentsRepository } from './payments.repository';
import { type StripeEventLike, StripeEventMappingError } from './stripe-event.mapper';
import { stripeEventsProcessedTotal, stripeProcessingLag } from './stripe-processing.metrics';

const PROCESSING_RETRY = retryPolicy({ scheduleMs: [0, 1000, 5000, 30_000, 120_000, 600_000] });

/** An event applied, for its log line once its transaction commits. */
interface Applied {
  readonly claimed: ClaimedStripeEvent;
  readonly outcome: ApplyOutcome;
  readonly traceparent: string;
}

/**
 * Turns stored Stripe events into payment.* domain events through the outbox. A batch of due
 * events is claimed with SKIP LOCKED and applied in one transaction, with as many statements
 * as one event takes, so instances can run side by side and a busy database answers a few
 * round trips per batch rather than per event. A batch that fails for anything but an outage is
 * rolled back and its events are processed one at a time, each in its own transaction, so one bad
 * event never holds back the others and its failure is recorded as its own.
 */
@Injectable()
export class StripeEventProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;

  constructor(
    private readonly dataSource: DataSource,
    private readonly events: StripeEventsRepository,
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly applyStripeEvent: ApplyStripeEventUseCase,
    private readonly payments: PaymentsRepository,
    private readonly logger: PinoLogger,
    wakeUps: WakeUps,
  ) {
    logger.setContext(StripeEventProcessor.name);
    this.loop = new PollingLoop({
      intervalMs: config.STRIPE_PROCESSOR_POLL_MS,
      work: () => this.processSideBySide(),
      // Whatever makes an event due announces it (intake, reconciliation, a replay): this
      // instance's processor, or another's when this one does not process, takes it at once.
      wakeOn: {
        connectionString: config.DATABASE_URL,
        channel: storedEventsChannel(config.DB_SCHEMA),
        applicationName: `switchyard-stripe-processor:${config.DB_SCHEMA}`,
        wakeUps,
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
   * A round: one batch; when it comes back full (a backlog), STRIPE_PROCESSOR_CONCURRENCY more
   * side by side, each claimed and applied in its own transaction. A wake-up for one event thus
   * costs one claim, not one per slot (every slot's claim but one found nothing). True when more
   * may be due: a batch came back full, or it left events due behind it (see `apply`). Events
   * stored meanwhile wake the loop themselves.
   */
  private async processSideBySide(): Promise<boolean> {
    const first = await this.processBatch();
    if (!first.full) return first.more;
    const rounds = Array.from({ length: this.config.STRIPE_PROCESSOR_CONCURRENCY }, () =>
      this.processBatch(),
    );
    const settled = await Promise.allSettled(rounds);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return true;
  }

  /**
   * Claims and processes a batch of due events: whether the claim locked as many as it may (a
   * backlog), and whether more may be due now: see `apply`, and events the claim held back
   * behind another transaction's, which it takes once that one commits.
   */
  private async processBatch(): Promise<{ full: boolean; more: boolean }> {
    const batchSize = this.config.STRIPE_PROCESSOR_BATCH;
    let claim: StripeEventClaim<PaymentKnownRow> = { events: [], locked: 0, heldBack: 0 };
    let done: { applied: readonly Applied[]; more: boolean };
    try {
      done = await this.dataSource.transaction(async (manager) => {
        // The states in the claim's own statement: a round trip fewer per batch, which at low
        // rates (a batch of one) is most of what a batch costs.
        claim = await this.events.claimDue(manager, batchSize, this.payments.statesInClaim());
        return this.apply(manager, claim.events, {
          // A full claim goes on at once anyway. Otherwise events of its PaymentIntents that
          // another instance left out while this batch held them are due after it: those the
          // claim saw are among the others it names; one stored since is that instance's to take,
          // since a claim that holds events back claims again at once.
          askDue: claim.locked < batchSize && claim.events.some((e) => e.other_ids !== null),
          alone: false,
          locked: this.payments.knownOfClaimed(claim.events),
        });
      });
    } catch (err) {
      // An outage is not the events' fault: nothing is recorded, and the loop waits for the
      // database to come back. A claim that lost a deadlock while it waited for a state (say, to
      // a batch making due events it holds) claims again at once. Anything else, a
      // PaymentIntent's state added by another transaction meanwhile among them, sends the
      // events one at a time.
      if (isDependencyFailure(err)) throw err;
      if (claim.events.length === 0) {
        if (isConflict(err)) return { full: false, more: true };
        throw err;
      }
      for (const event of claim.events) await this.processAlone(event);
      done = { applied: [], more: true };
    }
    for (const a of done.applied) this.report(a);
    const full = claim.locked === batchSize;
    return { full, more: full || claim.heldBack > 0 || done.more };
  }

  /** Processes one event of a failed batch, if it is still due and nobody else took it. */
  private async processAlone(event: ClaimedStripeEvent): Promise<void> {
    const applied = await this.dataSource.transaction(async (manager) => {
      const claimed = await this.events.claimAgain(manager, event);
      if (!claimed) return [];
      try {
        // A nested transaction is a savepoint: a failing event's writes are undone, its claim
        // stays, and the failure is recorded in the claiming transaction.
        return (
          await manager.transaction((attempt) =>
            this.apply(attempt, [claimed], { askDue: false, alone: true }),
          )
        ).applied;
      } catch (err) {
        // An outage is not the event's fault: nothing is recorded, the event is not charged an
        // attempt, and the loop waits for the database to come back.
        if (isDependencyFailure(err)) throw err;
        await this.recordFailure(manager, claimed, err);
        return [];
      }
    });
    for (const a of applied) this.report(a);
  }

  /**
   * Applies claimed events and marks them done: one statement for what they changed, their marks
   * and the events that waited for a PaymentIntent added here (due now), a second (when `askDue`)
   * for whether events another instance left out while this batch held their PaymentIntents are
   * due (its claim saw other events of them). `more` says whether either found any; the loop
   * then goes on at once. A batch adds its new PaymentIntents' states in the first statement, and
   * throws if another transaction added one first; an event `alone` (after its batch failed) adds
   * them before, and folds into any state added meanwhile.
   */
  private async apply(
    manager: EntityManager,
    claimed: readonly ClaimedStripeEvent[],
    {
      askDue,
      alone,
      locked,
    }: { askDue: boolean; alone: boolean; locked?: ReadonlyMap<string, KnownPayment> },
  ): Promise<{ applied: Applied[]; more: boolean }> {
    if (claimed.length === 0) return { applied: [], more: false };
    // Each event continues the trace of the webhook that stored it; its domain events are
    // children of its span (with tracing off, of the stored trace or of a new one).
    const spans = claimed.map((c) =>
      startSpan('stripe.process', c.traceparent, SpanKind.INTERNAL, {
        'stripe.event.id': c.id,
        'stripe.event.type': stripeTypeOf(c),
      }),
    );
    const traceparents = claimed.map(
      (c, i) =>
        traceparentOf(spans[i] as Span) ??
        (c.traceparent ? childTraceparent(c.traceparent) : newTraceparent()),
    );
    let batch: AppliedBatch;
    try {
      batch = await this.applyStripeEvent.execute(
        manager,
        // Intake stores only verified Stripe events; the mapper checks the fields it reads.
        claimed.map((c, i) => ({
          event: c.payload as StripeEventLike,
          traceparent: traceparents[i] as string,
        })),
        { addStatesInWrite: !alone, ...(locked && { locked }) },
      );
    } catch (err) {
      for (const span of spans) markFailed(span, err);
      throw err;
    } finally {
      for (const span of spans) span.end();
    }
    const applied = claimed.map((c, i) => ({
      claimed: c,
      outcome: batch.outcomes[i] as ApplyOutcome,
      traceparent: traceparents[i] as string,
    }));
    // What the events changed, their marks as done, and the events that waited for them: one
    // statement, planned for the weeks the batch holds at every call (`planForValues`; a kept plan
    // would lock every week's partition).
    const [added = 0, , , , madeDue = 0] = await writeTogether(manager, [
      batch.writes.added,
      batch.writes.states,
      batch.writes.outbox,
      this.events.markDone(
        applied.map(({ claimed: event, outcome }) => ({
          event,
          status: outcome.status,
          reason: outcome.status === 'ignored' ? outcome.reason : null,
        })),
      ),
      this.events.makeDue(waitingFor(claimed, batch.added)),
    ]);
    assertStatesAdded(batch, added);
    // What is due after them: a statement of its own, so that Postgres plans it once (planning it
    // with the one above, over every partition, at every call cost more than the round trip).
    const [due = 0] = await writeTogether(manager, [
      askDue ? this.events.dueOf(paymentIntentsOf(claimed)) : null,
    ]);
    return { applied, more: madeDue > 0 || due > 0 };
  }

  private report({ claimed, outcome, traceparent }: Applied): void {
    stripeEventsProcessedTotal.inc({ type: stripeTypeOf(claimed), result: outcome.status });
    stripeProcessingLag.observe((Date.now() - claimed.received_at.getTime()) / 1000);
    this.logger.info(
      {
        stripeEventId: claimed.id,
        status: outcome.status,
        events:
          outcome.status === 'processed' ? outcome.events.map((e) => `${e.type}:${e.id}`) : [],
        trace_id: traceIdOf(traceparent),
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
    const type = stripeTypeOf(claimed);
    const result = delay === null ? 'failed' : 'retrying';
    afterCommit(manager, () => stripeEventsProcessedTotal.inc({ type, result }));
    this.logger.warn(
      { stripeEventId: claimed.id, attempts, err: message, parked: delay === null },
      'Stripe event failed',
    );
  }
}

/** The stored event's Stripe type (intake stores only verified events, each with a type). */
function stripeTypeOf(claimed: ClaimedStripeEvent): string {
  const type = (claimed.payload as { type?: unknown }).type;
  return typeof type === 'string' ? type : 'unknown';
}

/**
 * The other events the claim found of the PaymentIntents `added` (the ones whose states the batch
 * adds): those that arrived first waited for them. Each once.
 */
function waitingFor(
  claimed: readonly ClaimedStripeEvent[],
  added: readonly string[],
): StripeEventKey[] {
  const adding = new Set(added);
  const keys = new Map<string, StripeEventKey>();
  for (const c of claimed) {
    if (!c.payment_intent_id || !adding.has(c.payment_intent_id)) continue;
    (c.other_ids ?? []).forEach((id, i) => {
      const created = c.other_created?.[i] as string;
      keys.set(`${created} ${id}`, { id, created });
    });
  }
  return [...keys.values()];
}

/** The PaymentIntents the events name, each once; events that matter to none are left out. */
function paymentIntentsOf(events: readonly ClaimedStripeEvent[]): string[] {
  return [...new Set(events.flatMap((e) => (e.payment_intent_id ? [e.payment_intent_id] : [])))];
}
