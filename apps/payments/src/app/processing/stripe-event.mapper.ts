import { type PaymentFact } from './payment-state';

/** A Stripe event reduced to what payments acts on. */
export interface MappedStripeEvent {
  readonly kind: 'fact';
  readonly paymentIntentId: string;
  /** From metadata.order_id when the object carries it; otherwise resolved from our records. */
  readonly orderId: string | null;
  /**
   * True when the object is the PaymentIntent (or checkout session) itself, so a missing order id
   * will never appear; false for a charge or dispute, whose PaymentIntent may simply not have
   * reached us yet.
   */
  readonly carriesOrder: boolean;
  readonly fact: PaymentFact;
}

export type MappingResult =
  MappedStripeEvent | { readonly kind: 'ignored'; readonly reason: string };

/** A stored event that can never be processed as it is; it is parked with this code. */
export class StripeEventMappingError extends Error {
  override readonly name = 'StripeEventMappingError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StripeEventLike {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly data: { readonly object: Record<string, unknown> };
}

export const HANDLED_STRIPE_EVENT_TYPES = [
  'payment_intent.succeeded',
  'payment_intent.payment_failed',
  'payment_intent.canceled',
  'charge.refunded',
  'charge.dispute.created',
  'checkout.session.completed',
] as const;

type StripeObject = Record<string, unknown>;

const str = (o: StripeObject, key: string): string | null =>
  typeof o[key] === 'string' ? (o[key] as string) : null;
const num = (o: StripeObject, key: string): number | null =>
  typeof o[key] === 'number' ? (o[key] as number) : null;

function orderIdOf(o: StripeObject): string | null {
  const metadata = o['metadata'];
  const orderId =
    metadata && typeof metadata === 'object' ? (metadata as StripeObject)['order_id'] : undefined;
  return typeof orderId === 'string' && orderId.length > 0 ? orderId : null;
}

/** Expanded or not, Stripe references an object by id or embeds it. */
function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as StripeObject)['id'] === 'string') {
    return (value as StripeObject)['id'] as string;
  }
  return null;
}

function required<T>(value: T | null, event: StripeEventLike, field: string): T {
  if (value === null) {
    throw new StripeEventMappingError(
      'malformed_stripe_object',
      `Stripe event ${event.id} (${event.type}) has no ${field}; this does not look like a Stripe object`,
    );
  }
  return value;
}

function paymentIntentOf(event: StripeEventLike, o: StripeObject): string {
  const id = idOf(o['payment_intent']);
  if (!id) {
    throw new StripeEventMappingError(
      'missing_payment_intent',
      `Stripe event ${event.id} (${event.type}) is not tied to a PaymentIntent; only PaymentIntent payments are supported`,
    );
  }
  return id;
}

/** The object is the PaymentIntent itself: it names itself and carries the order. */
function intentRef(event: StripeEventLike, o: StripeObject) {
  return {
    kind: 'fact',
    paymentIntentId: required(str(o, 'id'), event, 'id'),
    orderId: orderIdOf(o),
    carriesOrder: true,
  } as const;
}

/** The object is a charge or a dispute: it points at a PaymentIntent that may not have arrived yet. */
function chargeRef(event: StripeEventLike, o: StripeObject) {
  return {
    kind: 'fact',
    paymentIntentId: paymentIntentOf(event, o),
    orderId: orderIdOf(o),
    carriesOrder: false,
  } as const;
}

/** Turns a stored Stripe event into a payment fact. Pure: the same event maps the same way. */
export function mapStripeEvent(event: StripeEventLike): MappingResult {
  const o = event.data.object;
  const at = event.created;
  switch (event.type) {
    case 'payment_intent.succeeded':
      return {
        ...intentRef(event, o),
        fact: {
          kind: 'succeeded',
          at,
          amount: required(num(o, 'amount_received') ?? num(o, 'amount'), event, 'amount'),
          currency: required(str(o, 'currency'), event, 'currency'),
        },
      };
    case 'payment_intent.payment_failed': {
      const error = (o['last_payment_error'] ?? {}) as StripeObject;
      return {
        ...intentRef(event, o),
        fact: {
          kind: 'failed',
          at,
          failureCode: str(error, 'decline_code') ?? str(error, 'code'),
          failureMessage: str(error, 'message'),
        },
      };
    }
    case 'payment_intent.canceled':
      return {
        ...intentRef(event, o),
        fact: { kind: 'canceled', at, reason: str(o, 'cancellation_reason') },
      };
    case 'charge.refunded':
      return {
        ...chargeRef(event, o),
        fact: {
          kind: 'refunded',
          at,
          chargeId: required(str(o, 'id'), event, 'id'),
          chargeAmount: required(num(o, 'amount'), event, 'amount'),
          amountRefunded: required(num(o, 'amount_refunded'), event, 'amount_refunded'),
          currency: required(str(o, 'currency'), event, 'currency'),
        },
      };
    case 'charge.dispute.created':
      return {
        ...chargeRef(event, o),
        fact: {
          kind: 'disputed',
          at,
          chargeId: required(idOf(o['charge']), event, 'charge'),
          disputeId: required(str(o, 'id'), event, 'id'),
          amount: required(num(o, 'amount'), event, 'amount'),
          currency: required(str(o, 'currency'), event, 'currency'),
          reason: str(o, 'reason') ?? 'unknown',
        },
      };
    case 'checkout.session.completed':
      // Delayed payment methods complete the session unpaid; their outcome arrives later as
      // payment_intent.succeeded or payment_intent.payment_failed.
      if (str(o, 'payment_status') !== 'paid') {
        return {
          kind: 'ignored',
          reason: `checkout session ${str(o, 'id')} completed unpaid; waiting for the payment`,
        };
      }
      return {
        kind: 'fact',
        paymentIntentId: paymentIntentOf(event, o),
        orderId: orderIdOf(o) ?? str(o, 'client_reference_id'),
        carriesOrder: true,
        fact: {
          kind: 'succeeded',
          at,
          amount: required(num(o, 'amount_total'), event, 'amount_total'),
          currency: required(str(o, 'currency'), event, 'currency'),
        },
      };
    default:
      return { kind: 'ignored', reason: `no mapping for Stripe event type ${event.type}` };
  }
}
