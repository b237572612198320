export const OrderStatuses = [
  'pending_payment',
  'payment_failed',
  'paid',
  'fulfilled',
  'cancelled',
  'refunded',
  'partially_refunded',
] as const;
export type OrderStatus = (typeof OrderStatuses)[number];

export type OrderCommand =
  'pay' | 'fail_payment' | 'cancel' | 'fulfill' | 'refund' | 'refund_partially';

const TRANSITIONS: Record<OrderCommand, Partial<Record<OrderStatus, OrderStatus>>> = {
  pay: { pending_payment: 'paid', payment_failed: 'paid' },
  // Each failed attempt is news to the shopper; the order stays payable.
  fail_payment: { pending_payment: 'payment_failed', payment_failed: 'payment_failed' },
  cancel: { pending_payment: 'cancelled', payment_failed: 'cancelled' },
  fulfill: { paid: 'fulfilled' },
  refund: { paid: 'refunded', fulfilled: 'refunded', partially_refunded: 'refunded' },
  refund_partially: {
    paid: 'partially_refunded',
    fulfilled: 'partially_refunded',
    partially_refunded: 'partially_refunded',
  },
};

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly current: OrderStatus,
    readonly command: OrderCommand,
  ) {
    super(`An order in status "${current}" cannot ${command.replace('_', ' ')}`);
  }
}

/** The order lifecycle as a pure function: the next status, or an IllegalTransitionError. */
export function nextStatus(current: OrderStatus, command: OrderCommand): OrderStatus {
  const next = TRANSITIONS[command][current];
  if (!next) throw new IllegalTransitionError(current, command);
  return next;
}

/** Whether an order in `current` can take `command` (`nextStatus` would not refuse it). */
export function canTake(current: OrderStatus, command: OrderCommand): boolean {
  return TRANSITIONS[command][current] !== undefined;
}
