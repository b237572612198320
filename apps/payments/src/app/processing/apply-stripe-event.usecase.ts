import { Inject, Injectable } from '@nestjs/common';
import { createEvent, type DomainEvent } from '@switchyard/contracts';
import { appendToOutbox, RetriableError } from '@switchyard/messaging';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import { StripeEventsRepository } from '../stripe/stripe-events.repository';
import {
  mapStripeEvent,
  type MappedStripeEvent,
  StripeEventMappingError,
  type StripeEventLike,
} from './stripe-event.mapper';
import {
  applyFact,
  changesBetween,
  INITIAL_PAYMENT_STATE,
  type PaymentChange,
  type PaymentState,
} from './payment-state';
import { PaymentsRepository } from './payments.repository';

export type ApplyOutcome =
  { status: 'processed'; events: DomainEvent[] } | { status: 'ignored'; reason: string };

/**
 * Folds one stored Stripe event into its PaymentIntent's state and writes the domain events of
 * what changed to the outbox, in the caller's transaction. A replayed, duplicate or stale event
 * changes nothing and publishes nothing.
 */
@Injectable()
export class ApplyStripeEventUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly payments: PaymentsRepository,
    private readonly stripeEvents: StripeEventsRepository,
  ) {}

  async execute(
    manager: EntityManager,
    event: StripeEventLike,
    traceparent?: string,
  ): Promise<ApplyOutcome> {
    const mapped = mapStripeEvent(event);
    if (mapped.kind === 'ignored') return { status: 'ignored', reason: mapped.reason };
    const orderId = await this.orderIdFor(manager, mapped, event);
    const before = await this.lockState(manager, mapped.paymentIntentId, orderId, event);
    const after = applyFact(before, mapped.fact);
    await this.payments.saveState(manager, mapped.paymentIntentId, after);
    const events = changesBetween(before, after).map((change) =>
      this.toDomainEvent(change, orderId, mapped.paymentIntentId, event, traceparent),
    );
    await appendToOutbox(manager, this.config.DB_SCHEMA, events);
    return { status: 'processed', events };
  }

  private async orderIdFor(
    manager: EntityManager,
    mapped: MappedStripeEvent,
    event: StripeEventLike,
  ): Promise<string> {
    if (mapped.orderId) return mapped.orderId;
    const known = await this.payments.orderIdOf(manager, mapped.paymentIntentId);
    if (known) return known;
    if (!mapped.carriesOrder) {
      throw new RetriableError(
        `Stripe event ${event.id} (${event.type}) names PaymentIntent ${mapped.paymentIntentId}, whose own events have not arrived yet; retrying`,
      );
    }
    throw new StripeEventMappingError(
      'missing_order_id',
      `Stripe event ${event.id} names PaymentIntent ${mapped.paymentIntentId}, which has no metadata.order_id and was not created by payments; create PaymentIntents with the order id in metadata.order_id`,
    );
  }

  private async lockState(
    manager: EntityManager,
    paymentIntentId: string,
    orderId: string,
    event: StripeEventLike,
  ): Promise<PaymentState> {
    if (
      await this.payments.addStateIfAbsent(manager, paymentIntentId, orderId, INITIAL_PAYMENT_STATE)
    ) {
      // Charges and disputes that arrived first were waiting for this PaymentIntent: due now.
      await this.stripeEvents.makeDueEventsOf(manager, paymentIntentId);
    }
    const row = await this.payments.lockState(manager, paymentIntentId);
    if (!row) throw new Error(`payment state of ${paymentIntentId} vanished`);
    if (row.order_id !== orderId) {
      throw new StripeEventMappingError(
        'order_mismatch',
        `Stripe event ${event.id} says PaymentIntent ${paymentIntentId} belongs to order ${orderId}, but it belongs to ${row.order_id}`,
      );
    }
    return row.state;
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
