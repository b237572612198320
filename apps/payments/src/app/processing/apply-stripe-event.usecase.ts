import { Inject, Injectable } from '@nestjs/common';
import { createEvent, type DomainEvent } from '@switchyard/contracts';
import { announceOutbox, outboxAppendPart, WakeUps, type WritePart } from '@switchyard/messaging';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import {
  type FactEvent,
  type KnownPayment,
  type PaymentBatchPlan,
  planPaymentBatch,
  type PlannedStep,
} from './payment-batch';
import { type PaymentChange } from './payment-state';
import { mapStripeEvent, type StripeEventLike } from './stripe-event.mapper';
import { PaymentsRepository } from './payments.repository';

export type ApplyOutcome =
  { status: 'processed'; events: DomainEvent[] } | { status: 'ignored'; reason: string };

/** The outcome of each event, and the writes that make them so, for the caller to make. */
export interface AppliedBatch {
  readonly outcomes: ApplyOutcome[];
  /**
   * Parts of statements (`writeTogether`) the caller makes with its own: the states of
   * PaymentIntents new to this batch (`addStatesInWrite`; check their count with
   * `assertStatesAdded`), the PaymentIntents' changed states, and their domain events' outbox
   * rows.
   */
  readonly writes: {
    readonly added: WritePart | null;
    readonly states: WritePart | null;
    readonly outbox: WritePart | null;
  };
  /** How many states `writes.added` must add for the outcomes to hold. */
  readonly statesToAdd: number;
  /**
   * The PaymentIntents whose states the batch adds (or added): events that arrived before them
   * and wait for them may be applied now.
   */
  readonly added: readonly string[];
}

export interface ApplyOptions {
  /**
   * Leaves the states of PaymentIntents new to the batch to the caller's statement
   * (`writes.added`) instead of adding them before answering: a round trip fewer. The caller
   * must then check the count with `assertStatesAdded` and, when it throws, roll back.
   */
  readonly addStatesInWrite?: boolean;
  /**
   * What the caller's transaction already holds locked of the events' PaymentIntents (as
   * `PaymentsRepository.lockStates` answers it, in the claim: `statesInClaim`). Only the
   * PaymentIntents it lacks are locked here. Read with `addStatesInWrite` only: without it every
   * state is locked again, as an event applied alone after its batch failed needs.
   */
  readonly locked?: ReadonlyMap<string, KnownPayment>;
}

/**
 * Another transaction added the state of a PaymentIntent new to a batch between the batch's read
 * and its write, so the batch's outcomes were decided on a state that is not the one stored. The
 * transaction must roll back; applied again, the events are folded into the stored state.
 */
export class PaymentStatesRacedError extends Error {
  constructor(expected: number, added: number) {
    super(
      `${expected - added} of ${expected} PaymentIntent states this batch meant to add were added by another transaction first; roll back and apply the events again`,
    );
    this.name = 'PaymentStatesRacedError';
  }
}

/** Throws PaymentStatesRacedError unless `writes.added` added every state it was to. */
export function assertStatesAdded(batch: AppliedBatch, added: number): void {
  if (added < batch.statesToAdd) throw new PaymentStatesRacedError(batch.statesToAdd, added);
}

export interface EventToApply {
  readonly event: StripeEventLike;
  readonly traceparent?: string;
}

/**
 * Folds stored Stripe events, in the order given, into their PaymentIntents' states, and answers
 * the writes of what changed (the states, and the domain events for the outbox), in the caller's
 * transaction, with the same statements for one event or many. The caller makes those writes in
 * one statement with its own. A replayed, duplicate or stale event changes nothing and publishes
 * nothing. When one event cannot be applied, it throws as that event would alone, and the
 * caller's transaction must not commit.
 */
@Injectable()
export class ApplyStripeEventUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly payments: PaymentsRepository,
    private readonly wakeUps: WakeUps,
  ) {}

  /** One outcome per event, in the order given, and the writes that make them. */
  async execute(
    manager: EntityManager,
    toApply: readonly EventToApply[],
    options: ApplyOptions = {},
  ): Promise<AppliedBatch> {
    const mapped = toApply.map((item) => ({ ...item, mapping: mapStripeEvent(item.event) }));
    const facts = mapped.flatMap(({ event, mapping }) =>
      mapping.kind === 'fact' ? [{ event, mapped: mapping }] : [],
    );
    const addLater = options.addStatesInWrite === true;
    const { plan, added } = addLater
      ? await this.lockAndFold(manager, facts, options.locked)
      : await this.plan(manager, facts);
    const steps = plan.steps.values();
    const outcomes = mapped.map(({ event, traceparent, mapping }): ApplyOutcome => {
      if (mapping.kind === 'ignored') return { status: 'ignored', reason: mapping.reason };
      // Steps come one per fact, in the order of the facts.
      const step = steps.next().value as PlannedStep;
      const events = step.changes.map((change) =>
        this.toDomainEvent(change, step.orderId, mapping.paymentIntentId, event, traceparent),
      );
      return { status: 'processed', events };
    });
    const events = outcomes.flatMap((o) => (o.status === 'processed' ? o.events : []));
    if (events.length > 0) announceOutbox(this.wakeUps, manager, this.config.DB_SCHEMA);
    return {
      outcomes,
      writes: {
        added: addLater ? this.payments.addStatesPart(plan.added) : null,
        states: this.payments.saveStates(plan.changed),
        outbox: outboxAppendPart(this.config.DB_SCHEMA, events),
      },
      statesToAdd: addLater ? plan.added.length : 0,
      added,
    };
  }

  /**
   * Locks the states of the events' PaymentIntents and folds the events into them; states that
   * did not exist are added, before answering, with what their events fold to (`added`: the ids
   * this transaction added).
   */
  private async plan(
    manager: EntityManager,
    facts: readonly FactEvent[],
  ): Promise<{ plan: PaymentBatchPlan; added: string[] }> {
    const { plan, known } = await this.lockAndFold(manager, facts);
    const added = await this.payments.addStatesIfAbsent(manager, plan.added);
    if (added.length === plan.added.length) return { plan, added };
    // Another transaction added some of these states after they were read: lock them as they
    // are now and fold again; the ones added here already hold what their events fold to.
    const addedHere = new Set(added);
    const raced = plan.added.filter((r) => !addedHere.has(r.paymentIntentId));
    const now = await this.payments.lockStates(
      manager,
      raced.map((r) => r.paymentIntentId),
    );
    const again = planPaymentBatch(facts, new Map([...known, ...now]));
    return { plan: { ...again, added: [] }, added };
  }

  /**
   * Locks the states of the events' PaymentIntents, but those the caller holds already (`locked`),
   * and folds the events into them; `added`: the ids of the PaymentIntents with no state yet,
   * whose states the caller's write adds.
   */
  private async lockAndFold(
    manager: EntityManager,
    facts: readonly FactEvent[],
    locked: ReadonlyMap<string, KnownPayment> = new Map(),
  ): Promise<{ plan: PaymentBatchPlan; known: Map<string, KnownPayment>; added: string[] }> {
    if (facts.length === 0) {
      return { plan: { steps: [], added: [], changed: [] }, known: new Map(), added: [] };
    }
    const known = new Map(locked);
    // The claim names an event's PaymentIntent as the mapper does; should they ever differ, the
    // rest are locked here (after the claim's, so out of id order: a deadlock then rolls the
    // batch back and its events are applied one at a time).
    const missing = facts.map((f) => f.mapped.paymentIntentId).filter((id) => !known.has(id));
    if (missing.length > 0) {
      for (const [id, payment] of await this.payments.lockStates(manager, missing)) {
        known.set(id, payment);
      }
    }
    const plan = planPaymentBatch(facts, known);
    return { plan, known, added: plan.added.map((r) => r.paymentIntentId) };
  }

  private toDomainEvent(
    change: PaymentChange,
    orderId: string,
    paymentIntentId: string,
    event: StripeEventLike,
    traceparent: string | undefined,
  ): DomainEvent {
    const ref = {
      orderId,
      provider: 'stripe' as const,
      providerEventId: event.id,
      paymentIntentId,
    };
    const options = {
      occurredAt: new Date(event.created * 1000),
      ...(traceparent ? { traceparent } : {}),
    };
    switch (change.kind) {
      case 'succeeded':
        return createEvent(
          'payment.succeeded',
          orderId,
          { ...ref, amount: change.amount, currency: change.currency },
          options,
        );
      case 'failed':
        return createEvent(
          'payment.failed',
          orderId,
          { ...ref, failureCode: change.failureCode, failureMessage: change.failureMessage },
          options,
        );
      case 'refunded':
        return createEvent(
          'payment.refunded',
          orderId,
          {
            ...ref,
            chargeId: change.chargeId,
            amountRefunded: change.amountRefunded,
            currency: change.currency,
            fullyRefunded: change.fullyRefunded,
          },
          options,
        );
      case 'disputed':
        return createEvent(
          'payment.disputed',
          orderId,
          {
            ...ref,
            chargeId: change.dispute.chargeId,
            disputeId: change.dispute.disputeId,
            amount: change.dispute.amount,
            currency: change.dispute.currency,
            reason: change.dispute.reason,
          },
          options,
        );
    }
  }
}
