import { counter } from '@switchyard/service';

/** Orders moved through the state machine, by the status left and the status reached. */
export const orderTransitionsTotal = counter(
  'switchyard_order_transitions_total',
  'Order status changes written, by from and to status',
  ['from', 'to'],
);

/** Commands the state machine refused (a payment for a cancelled order, a second fulfilment). */
export const orderTransitionsRefusedTotal = counter(
  'switchyard_order_transitions_refused_total',
  'Order commands refused as illegal in the current status, by status and command',
  ['from', 'command'],
);
