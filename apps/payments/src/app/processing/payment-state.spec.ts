import fc from 'fast-check';
import {
  applyFact,
  changesBetween,
  INITIAL_PAYMENT_STATE,
  type PaymentFact,
  type PaymentState,
} from './payment-state';

const fold = (facts: readonly PaymentFact[]): PaymentState =>
  facts.reduce(applyFact, INITIAL_PAYMENT_STATE);

const at = fc.integer({ min: 1_700_000_000, max: 1_700_100_000 });
const factArb: fc.Arbitrary<PaymentFact> = fc.oneof(
  fc.record({
    kind: fc.constant('succeeded' as const),
    at,
    amount: fc.constant(5000),
    currency: fc.constant('usd'),
  }),
  fc.record({
    kind: fc.constant('failed' as const),
    at,
    failureCode: fc.constantFrom('card_declined', 'expired_card', null),
    failureMessage: fc.constantFrom('Your card was declined.', null),
  }),
  fc.record({
    kind: fc.constant('canceled' as const),
    at,
    reason: fc.constantFrom('abandoned', null),
  }),
  fc.record({
    kind: fc.constant('refunded' as const),
    at,
    chargeId: fc.constant('ch_1'),
    chargeAmount: fc.constant(5000),
    amountRefunded: fc.constantFrom(1000, 2500, 5000),
    currency: fc.constant('usd'),
  }),
  fc.record({
    kind: fc.constant('disputed' as const),
    at,
    chargeId: fc.constant('ch_1'),
    disputeId: fc.constantFrom('dp_1', 'dp_2'),
    amount: fc.constant(5000),
    currency: fc.constant('usd'),
    reason: fc.constant('fraudulent'),
  }),
);

describe('payment state', () => {
  it('reaches the same final state for every arrival order of the same events', () => {
    fc.assert(
      fc.property(
        fc
          .array(factArb, { minLength: 1, maxLength: 8 })
          .chain((facts) =>
            fc.tuple(
              fc.constant(facts),
              fc.shuffledSubarray(facts, { minLength: facts.length, maxLength: facts.length }),
            ),
          ),
        ([facts, permuted]) => {
          expect(fold(permuted)).toEqual(fold(facts));
        },
      ),
    );
  });

  it('is unchanged by an event it has already seen', () => {
    fc.assert(
      fc.property(fc.array(factArb, { maxLength: 8 }), factArb, (facts, fact) => {
        const once = applyFact(fold(facts), fact);
        expect(applyFact(once, fact)).toEqual(once);
        expect(changesBetween(once, applyFact(once, fact))).toEqual([]);
      }),
    );
  });

  it('ignores a failure that arrives after the success (a stale update)', () => {
    const paid = fold([{ kind: 'succeeded', at: 200, amount: 5000, currency: 'usd' }]);
    const late = applyFact(paid, {
      kind: 'failed',
      at: 100,
      failureCode: 'card_declined',
      failureMessage: null,
    });

    expect(late.outcome).toBe('succeeded');
    expect(changesBetween(paid, late)).toEqual([]);
  });

  it('treats a refund that arrives before the success as proof of payment, announcing both in order', () => {
    const refunded = applyFact(INITIAL_PAYMENT_STATE, {
      kind: 'refunded',
      at: 300,
      chargeId: 'ch_1',
      chargeAmount: 5000,
      amountRefunded: 5000,
      currency: 'usd',
    });

    expect(changesBetween(INITIAL_PAYMENT_STATE, refunded).map((c) => c.kind)).toEqual([
      'succeeded',
      'refunded',
    ]);
    expect(
      changesBetween(
        refunded,
        applyFact(refunded, { kind: 'succeeded', at: 200, amount: 5000, currency: 'usd' }),
      ),
    ).toEqual([]);
  });

  it('announces a partial refund, then the full one', () => {
    const paid = fold([{ kind: 'succeeded', at: 1, amount: 5000, currency: 'usd' }]);
    const partial = applyFact(paid, {
      kind: 'refunded',
      at: 2,
      chargeId: 'ch_1',
      chargeAmount: 5000,
      amountRefunded: 2000,
      currency: 'usd',
    });
    const full = applyFact(partial, {
      kind: 'refunded',
      at: 3,
      chargeId: 'ch_1',
      chargeAmount: 5000,
      amountRefunded: 5000,
      currency: 'usd',
    });

    expect(changesBetween(paid, partial)).toEqual([
      {
        kind: 'refunded',
        amountRefunded: 2000,
        currency: 'usd',
        fullyRefunded: false,
        chargeId: 'ch_1',
      },
    ]);
    expect(changesBetween(partial, full)).toEqual([
      {
        kind: 'refunded',
        amountRefunded: 5000,
        currency: 'usd',
        fullyRefunded: true,
        chargeId: 'ch_1',
      },
    ]);
  });

  it('announces each new failed attempt, and a cancellation as a failure', () => {
    const failedOnce = fold([
      { kind: 'failed', at: 1, failureCode: 'card_declined', failureMessage: 'declined' },
    ]);
    const failedTwice = applyFact(failedOnce, {
      kind: 'failed',
      at: 2,
      failureCode: 'expired_card',
      failureMessage: 'expired',
    });
    const canceled = applyFact(failedTwice, { kind: 'canceled', at: 3, reason: null });

    expect(changesBetween(failedOnce, failedTwice)).toEqual([
      { kind: 'failed', failureCode: 'expired_card', failureMessage: 'expired' },
    ]);
    expect(changesBetween(failedTwice, canceled)).toEqual([
      { kind: 'failed', failureCode: 'canceled', failureMessage: 'The payment was canceled' },
    ]);
  });
});
