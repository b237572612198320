import { RetriableError } from '@switchyard/messaging';
import { isDeepStrictEqual } from 'node:util';
import {
  applyFact,
  changesBetween,
  INITIAL_PAYMENT_STATE,
  type PaymentChange,
  type PaymentState,
} from './payment-state';
import {
  type MappedStripeEvent,
  StripeEventMappingError,
  type StripeEventLike,
} from './stripe-event.mapper';

/** What the database knows of a PaymentIntent before a batch touches it. */
export interface KnownPayment {
  /** The order of the PaymentIntent payments created, if it did. */
  readonly intentOrderId: string | null;
  /** Its state row, locked by the batch's transaction; null when none exists yet. */
  readonly stored: { readonly orderId: string; readonly state: PaymentState } | null;
}

export interface FactEvent {
  readonly event: StripeEventLike;
  readonly mapped: MappedStripeEvent;
}

/** One event's part of the plan: the order it belongs to and the domain events it causes. */
export interface PlannedStep {
  readonly orderId: string;
  readonly changes: readonly PaymentChange[];
}

export interface PaymentStateRow {
  readonly paymentIntentId: string;
  readonly orderId: string;
  readonly state: PaymentState;
}

export interface PaymentBatchPlan {
  /** One per event, in the order given. */
  readonly steps: readonly PlannedStep[];
  /** PaymentIntents with no state row yet, with the state their events fold to. */
  readonly added: readonly PaymentStateRow[];
  /** Stored states the batch's events changed. */
  readonly changed: readonly PaymentStateRow[];
}

interface Folding {
  readonly stored: PaymentState | null;
  readonly orderId: string;
  state: PaymentState;
}

const NOTHING_KNOWN: KnownPayment = { intentOrderId: null, stored: null };

/**
 * Folds a batch of events, in the order given, into the states of their PaymentIntents: each
 * event sees the state its predecessors of the same PaymentIntent left, exactly as if each were
 * applied alone in turn, and fails (throws) for the same reasons it would alone.
 */
export function planPaymentBatch(
  events: readonly FactEvent[],
  known: ReadonlyMap<string, KnownPayment>,
): PaymentBatchPlan {
  const foldings = new Map<string, Folding>();
  const steps = events.map(({ event, mapped }): PlannedStep => {
    const id = mapped.paymentIntentId;
    const k = known.get(id) ?? NOTHING_KNOWN;
    const seen = foldings.get(id);
    const stateOrderId = seen?.orderId ?? k.stored?.orderId ?? null;
    const orderId = mapped.orderId ?? k.intentOrderId ?? stateOrderId;
    if (!orderId) throw missingOrder(event, mapped);
    // A PaymentIntent with no state yet belongs to the order its first event names.
    const folding = seen ?? {
      stored: k.stored?.state ?? null,
      orderId: stateOrderId ?? orderId,
      state: k.stored?.state ?? INITIAL_PAYMENT_STATE,
    };
    foldings.set(id, folding);
    if (folding.orderId !== orderId) {
      throw new StripeEventMappingError(
        'order_mismatch',
        `Stripe event ${event.id} says PaymentIntent ${id} belongs to order ${orderId}, but it belongs to ${folding.orderId}`,
      );
    }
    const before = folding.state;
    folding.state = applyFact(before, mapped.fact);
    return { orderId, changes: changesBetween(before, folding.state) };
  });
  const added: PaymentStateRow[] = [];
  const changed: PaymentStateRow[] = [];
  for (const [paymentIntentId, { stored, orderId, state }] of foldings) {
    const row = { paymentIntentId, orderId, state };
    if (!stored) added.push(row);
    else if (!isDeepStrictEqual(state, stored)) changed.push(row);
  }
  return { steps, added, changed };
}

function missingOrder(event: StripeEventLike, mapped: MappedStripeEvent): Error {
  if (!mapped.carriesOrder) {
    return new RetriableError(
      `Stripe event ${event.id} (${event.type}) names PaymentIntent ${mapped.paymentIntentId}, whose own events have not arrived yet; retrying`,
    );
  }
  return new StripeEventMappingError(
    'missing_order_id',
    `Stripe event ${event.id} names PaymentIntent ${mapped.paymentIntentId}, which has no metadata.order_id and was not created by payments; create PaymentIntents with the order id in metadata.order_id`,
  );
}
