import { createEvent, type DomainEvent } from '@switchyard/contracts';

export type MappingResult =
  | { readonly kind: 'events'; readonly events: DomainEvent[] }
  | { readonly kind: 'ignored'; readonly reason: string };

export class StripeEventMappingError extends Error {
  override readonly name = 'StripeEventMappingError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface StripeEventLike {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> };
}

function orderIdOf(event: StripeEventLike): string {
  const metadata = event.data.object['metadata'] as Record<string, unknown> | undefined;
  const orderId = metadata?.['order_id'];
  if (typeof orderId !== 'string' || orderId.length === 0) {
    throw new StripeEventMappingError(
      'missing_order_id',
      `Stripe event ${event.id} has no metadata.order_id; create PaymentIntents with the order id in metadata`,
    );
  }
  return orderId;
}

/** Turns a stored Stripe event into domain events. Pure: the same event maps the same way. */
export function mapStripeEvent(event: StripeEventLike): MappingResult {
  const object = event.data.object;
  const occurredAt = new Date(event.created * 1000);
  switch (event.type) {
    case 'payment_intent.succeeded': {
      const orderId = orderIdOf(event);
      const amount = (object['amount_received'] ?? object['amount']) as number;
      return {
        kind: 'events',
        events: [
          createEvent(
            'payment.succeeded',
            orderId,
            {
              orderId,
              provider: 'stripe',
              providerEventId: event.id,
              paymentIntentId: object['id'] as string,
              amount,
              currency: String(object['currency']),
            },
            { occurredAt },
          ),
        ],
      };
    }
    default:
      return { kind: 'ignored', reason: `no mapping for Stripe event type ${event.type}` };
  }
}
