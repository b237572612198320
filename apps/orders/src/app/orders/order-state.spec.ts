import fc from 'fast-check';
import {
  IllegalTransitionError,
  nextStatus,
  type OrderCommand,
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
    fc.assert(
      fc.property(fc.constantFrom(...commands), (command) => {
        try {
          nextStatus('cancelled', command);
          return false;
        } catch (err) {
          return err instanceof IllegalTransitionError;
        }
      }),
    );
  });

  it('only ever yields known statuses', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OrderStatuses),
        fc.constantFrom(...commands),
        (status, command) => {
          try {
            return OrderStatuses.includes(nextStatus(status, command));
          } catch (err) {
            return err instanceof IllegalTransitionError;
          }
        },
      ),
    );
  });
});
