import fc from 'fast-check';
import {
  type FactEvent,
  type KnownPayment,
  type PaymentBatchPlan,
  planPaymentBatch,
  type PlannedStep,
} from './payment-batch';
import { applyFact, INITIAL_PAYMENT_STATE, type PaymentFact } from './payment-state';

const FACTS: readonly PaymentFact[] = [
  { kind: 'failed', at: 10, failureCode: 'card_declined', failureMessage: 'declined' },
  { kind: 'succeeded', at: 20, amount: 5000, currency: 'usd' },
  {
    kind: 'refunded',
    at: 30,
    chargeId: 'ch_1',
    chargeAmount: 5000,
    amountRefunded: 5000,
    currency: 'usd',
  },
  {
    kind: 'disputed',
    at: 40,
    chargeId: 'ch_1',
    disputeId: 'dp_1',
    amount: 5000,
    currency: 'usd',
    reason: 'fraudulent',
  },
  { kind: 'canceled', at: 50, reason: null },
];

const eventArb: fc.Arbitrary<FactEvent> = fc
  .record({
    pi: fc.constantFrom('pi_a', 'pi_b', 'pi_c'),
    orderId: fc.constantFrom('order-1', 'order-2', null),
    carriesOrder: fc.boolean(),
    fact: fc.constantFrom(...FACTS),
  })
  .map(({ pi, orderId, carriesOrder, fact }) => ({
    event: { id: `evt_${pi}_${fact.kind}`, type: 'test', created: fact.at, data: { object: {} } },
    mapped: { kind: 'fact', paymentIntentId: pi, orderId, carriesOrder, fact },
  }));

const knownArb: fc.Arbitrary<Map<string, KnownPayment>> = fc
  .array(
    fc.record({
      pi: fc.constantFrom('pi_a', 'pi_b', 'pi_c'),
      intentOrderId: fc.constantFrom('order-1', null),
      stored: fc.option(
        fc.record({
          orderId: fc.constantFrom('order-1', 'order-2'),
          facts: fc.array(fc.constantFrom(...FACTS), { maxLength: 3 }),
        }),
      ),
    }),
    { maxLength: 3 },
  )
  .map(
    (entries) =>
      new Map(
        entries.map(({ pi, intentOrderId, stored }): [string, KnownPayment] => [
          pi,
          {
            intentOrderId,
            stored: stored
              ? {
                  orderId: stored.orderId,
                  state: stored.facts.reduce(applyFact, INITIAL_PAYMENT_STATE),
                }
              : null,
          },
        ]),
      ),
  );

/** Each event planned alone, against what the events before it left: how one at a time goes. */
function oneAtATime(
  events: readonly FactEvent[],
  known: ReadonlyMap<string, KnownPayment>,
): { steps: PlannedStep[]; states: Map<string, unknown> } {
  const now = new Map(known);
  const steps: PlannedStep[] = [];
  for (const e of events) {
    const plan = planPaymentBatch([e], now);
    steps.push(...plan.steps);
    for (const row of [...plan.added, ...plan.changed]) {
      const before = now.get(row.paymentIntentId);
      now.set(row.paymentIntentId, {
        intentOrderId: before?.intentOrderId ?? null,
        stored: { orderId: row.orderId, state: row.state },
      });
    }
  }
  return { steps, states: statesOf(now) };
}

function inBatch(
  plan: PaymentBatchPlan,
  known: ReadonlyMap<string, KnownPayment>,
): Map<string, unknown> {
  const now = new Map(known);
  for (const row of [...plan.added, ...plan.changed]) {
    now.set(row.paymentIntentId, {
      intentOrderId: now.get(row.paymentIntentId)?.intentOrderId ?? null,
      stored: { orderId: row.orderId, state: row.state },
    });
  }
  return statesOf(now);
}

function statesOf(known: ReadonlyMap<string, KnownPayment>): Map<string, unknown> {
  return new Map([...known].flatMap(([pi, k]) => (k.stored ? [[pi, k.stored]] : [])));
}

function outcome<T>(run: () => T): { ok: T } | { error: string } {
  try {
    return { ok: run() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

describe('planning a batch of Stripe events', () => {
  it('plans a batch exactly as its events applied one at a time, in the order given', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 12 }), knownArb, (events, known) => {
        const alone = outcome(() => oneAtATime(events, known));
        const batch = outcome(() => {
          const plan = planPaymentBatch(events, known);
          return { steps: [...plan.steps], states: inBatch(plan, known) };
        });

        expect(batch).toEqual(alone);
      }),
    );
  });

  it("folds each PaymentIntent's events in the order given, whatever the others in between", () => {
    const ev = (pi: string, fact: PaymentFact, orderId: string | null): FactEvent => ({
      event: { id: `evt_${pi}_${fact.kind}`, type: 'test', created: fact.at, data: { object: {} } },
      mapped: { kind: 'fact', paymentIntentId: pi, orderId, carriesOrder: orderId !== null, fact },
    });
    const [failed, succeeded, refunded] = FACTS as [PaymentFact, PaymentFact, PaymentFact];

    const plan = planPaymentBatch(
      [
        ev('pi_a', failed, 'order-a'),
        ev('pi_b', failed, 'order-b'),
        ev('pi_a', succeeded, 'order-a'),
        ev('pi_b', succeeded, 'order-b'),
        ev('pi_a', refunded, null),
        ev('pi_b', refunded, null),
      ],
      new Map(),
    );

    expect(plan.steps.map((s) => [s.orderId, s.changes.map((c) => c.kind)])).toEqual([
      ['order-a', ['failed']],
      ['order-b', ['failed']],
      ['order-a', ['succeeded']],
      ['order-b', ['succeeded']],
      ['order-a', ['refunded']],
      ['order-b', ['refunded']],
    ]);
    expect(plan.added.map((r) => [r.paymentIntentId, r.orderId, r.state.outcome])).toEqual([
      ['pi_a', 'order-a', 'succeeded'],
      ['pi_b', 'order-b', 'succeeded'],
    ]);
    expect(plan.changed).toEqual([]);
  });

  it('makes a charge of a PaymentIntent nobody has heard of wait, as it would alone', () => {
    const refund = {
      event: { id: 'evt_refund', type: 'charge.refunded', created: 30, data: { object: {} } },
      mapped: {
        kind: 'fact' as const,
        paymentIntentId: 'pi_unknown',
        orderId: null,
        carriesOrder: false,
        fact: FACTS[2] as PaymentFact,
      },
    };

    expect(() => planPaymentBatch([refund], new Map())).toThrow(/have not arrived yet/);
  });
});
