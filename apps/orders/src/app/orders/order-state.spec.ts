import {
  canTake,
  IllegalTransitionError,
  nextStatus,
  type OrderCommand,
  type OrderStatus,
  OrderStatuses,
} from './order-state';

const commands: OrderCommand[] = [
  'pay',
  'fail_payment',
  'cancel',
  'fulfill',
  'refund',
  'refund_partially',
];

/** The lifecycle written out, move by move: every (status, command) not listed is refused. */
const legalMoves: [OrderStatus, OrderCommand, OrderStatus][] = [
  ['pending_payment', 'pay', 'paid'],
  ['payment_failed', 'pay', 'paid'],
  ['pending_payment', 'fail_payment', 'payment_failed'],
  ['payment_failed', 'fail_payment', 'payment_failed'],
  ['pending_payment', 'cancel', 'cancelled'],
  ['payment_failed', 'cancel', 'cancelled'],
  ['paid', 'fulfill', 'fulfilled'],
  ['paid', 'refund', 'refunded'],
  ['fulfilled', 'refund', 'refunded'],
  ['partially_refunded', 'refund', 'refunded'],
  ['paid', 'refund_partially', 'partially_refunded'],
  ['fulfilled', 'refund_partially', 'partially_refunded'],
  ['partially_refunded', 'refund_partially', 'partially_refunded'],
];

/** "status --command--> next", or "refused" for an IllegalTransitionError; other errors escape. */
function move(status: OrderStatus, command: OrderCommand): string {
  let outcome: string;
  try {
    outcome = nextStatus(status, command);
  } catch (err) {
    if (!(err instanceof IllegalTransitionError)) throw err;
    outcome = 'refused';
  }
  return `${status} --${command}--> ${outcome}`;
}

describe('order state machine', () => {
  it('moves a pending order to paid, then fulfilled', () => {
    expect(nextStatus('pending_payment', 'pay')).toBe('paid');
    expect(nextStatus('paid', 'fulfill')).toBe('fulfilled');
  });

  it('lets a failed payment be retried and paid', () => {
    expect(nextStatus(nextStatus('pending_payment', 'fail_payment'), 'pay')).toBe('paid');
  });

  it('refuses to pay a cancelled order, naming the current state', () => {
    expect(() => nextStatus('cancelled', 'pay')).toThrow(/"cancelled" cannot pay/);
  });

  it('never leaves a refunded or cancelled order except by the refund bookkeeping', () => {
    for (const status of ['refunded', 'cancelled'] as const) {
      for (const command of commands) {
        expect(() => nextStatus(status, command)).toThrow(IllegalTransitionError);
      }
    }
  });

  it('makes exactly the moves of the lifecycle and refuses every other one', () => {
    // Given every command in every status
    const tried = OrderStatuses.flatMap((status) =>
      commands.map((command) => ({ status, command })),
    );

    // When each one is tried
    const outcomes = tried.map(({ status, command }) => move(status, command));

    // Then the legal moves land where the lifecycle says, and every other move is refused
    const expected = tried.map(({ status, command }) => {
      const legal = legalMoves.find(([from, by]) => from === status && by === command);
      return `${status} --${command}--> ${legal ? legal[2] : 'refused'}`;
    });
    expect(outcomes).toEqual(expected);
  });

  it('says an order can take a command exactly when the lifecycle moves it', () => {
    for (const status of OrderStatuses) {
      for (const command of commands) {
        const legal = legalMoves.some(([from, by]) => from === status && by === command);
        expect(`${status} ${command} ${canTake(status, command)}`).toBe(
          `${status} ${command} ${legal}`,
        );
      }
    }
  });
});
