/**
 * What Stripe has told us about one PaymentIntent, as a join-semilattice: merging facts is
 * commutative, associative and idempotent, so every arrival order of the same Stripe events
 * reaches the same state, and a stale or repeated event changes nothing. Stripe does not order
 * its events; this is how we do not need it to.
 */

export type PaymentOutcome = 'pending' | 'failed' | 'canceled' | 'succeeded';

export type PaymentFact =
  | {
      readonly kind: 'succeeded';
      readonly at: number;
      readonly amount: number;
      readonly currency: string;
    }
  | {
      readonly kind: 'failed';
      readonly at: number;
      readonly failureCode: string | null;
      readonly failureMessage: string | null;
    }
  | { readonly kind: 'canceled'; readonly at: number; readonly reason: string | null }
  | {
      readonly kind: 'refunded';
      readonly at: number;
      readonly chargeId: string;
      /** The charge's amount: a refund proves the payment succeeded, for this much. */
      readonly chargeAmount: number;
      /** Cumulative, as Stripe reports it on the charge. */
      readonly amountRefunded: number;
      readonly currency: string;
    }
  | {
      readonly kind: 'disputed';
      readonly at: number;
      readonly chargeId: string;
      readonly disputeId: string;
      readonly amount: number;
      readonly currency: string;
      readonly reason: string;
    };

export interface PaymentFailure {
  readonly at: number;
  readonly code: string | null;
  readonly message: string | null;
}

export interface Dispute {
  readonly disputeId: string;
  readonly chargeId: string;
  readonly amount: number;
  readonly currency: string;
  readonly reason: string;
}

export interface PaymentState {
  readonly outcome: PaymentOutcome;
  readonly amount: number | null;
  readonly currency: string | null;
  /** Set when the amount came from the succeeded event itself rather than a charge. */
  readonly amountFromSuccess: boolean;
  readonly lastFailure: PaymentFailure | null;
  readonly chargeId: string | null;
  readonly amountRefunded: number;
  /** Sorted by dispute id, so equal sets compare equal. */
  readonly disputes: readonly Dispute[];
}

export const INITIAL_PAYMENT_STATE: PaymentState = {
  outcome: 'pending',
  amount: null,
  currency: null,
  amountFromSuccess: false,
  lastFailure: null,
  chargeId: null,
  amountRefunded: 0,
  disputes: [],
};

const RANK: Record<PaymentOutcome, number> = { pending: 0, failed: 1, canceled: 2, succeeded: 3 };

function higher(a: PaymentOutcome, b: PaymentOutcome): PaymentOutcome {
  return RANK[a] >= RANK[b] ? a : b;
}

function laterFailure(a: PaymentFailure | null, b: PaymentFailure): PaymentFailure {
  if (!a) return b;
  if (a.at !== b.at) return a.at > b.at ? a : b;
  // Same second: any fixed choice keeps the merge commutative.
  return `${a.code}|${a.message}` >= `${b.code}|${b.message}` ? a : b;
}

/** A money fact that proves success: it sets the amount unless the success event already did. */
function withProvenSuccess(state: PaymentState, amount: number, currency: string): PaymentState {
  if (state.amountFromSuccess) return { ...state, outcome: 'succeeded' };
  return {
    ...state,
    outcome: 'succeeded',
    amount: Math.max(state.amount ?? 0, amount),
    currency,
  };
}

export function applyFact(state: PaymentState, fact: PaymentFact): PaymentState {
  switch (fact.kind) {
    case 'succeeded':
      return {
        ...state,
        outcome: 'succeeded',
        amount: state.amountFromSuccess ? Math.max(state.amount ?? 0, fact.amount) : fact.amount,
        currency: fact.currency,
        amountFromSuccess: true,
      };
    case 'failed':
      return {
        ...state,
        outcome: higher(state.outcome, 'failed'),
        lastFailure: laterFailure(state.lastFailure, {
          at: fact.at,
          code: fact.failureCode,
          message: fact.failureMessage,
        }),
      };
    case 'canceled':
      return { ...state, outcome: higher(state.outcome, 'canceled') };
    case 'refunded':
      return {
        ...withProvenSuccess(state, fact.chargeAmount, fact.currency),
        chargeId: state.chargeId ?? fact.chargeId,
        amountRefunded: Math.max(state.amountRefunded, fact.amountRefunded),
      };
    case 'disputed': {
      const known = state.disputes.some((d) => d.disputeId === fact.disputeId);
      const disputes = known
        ? state.disputes
        : [
            ...state.disputes,
            {
              disputeId: fact.disputeId,
              chargeId: fact.chargeId,
              amount: fact.amount,
              currency: fact.currency,
              reason: fact.reason,
            },
          ].sort((a, b) => (a.disputeId < b.disputeId ? -1 : 1));
      return {
        ...withProvenSuccess(state, fact.amount, fact.currency),
        chargeId: state.chargeId ?? fact.chargeId,
        disputes,
      };
    }
  }
}

/** What changed, as the domain events to publish, in the order a reader expects them. */
export type PaymentChange =
  | { readonly kind: 'succeeded'; readonly amount: number; readonly currency: string }
  | {
      readonly kind: 'failed';
      readonly failureCode: string | null;
      readonly failureMessage: string | null;
    }
  | {
      readonly kind: 'refunded';
      readonly amountRefunded: number;
      readonly currency: string;
      readonly fullyRefunded: boolean;
      readonly chargeId: string;
    }
  | { readonly kind: 'disputed'; readonly dispute: Dispute };

export function changesBetween(before: PaymentState, after: PaymentState): PaymentChange[] {
  const changes: PaymentChange[] = [];
  if (after.outcome === 'succeeded' && before.outcome !== 'succeeded') {
    changes.push({ kind: 'succeeded', amount: after.amount ?? 0, currency: after.currency ?? '' });
  }
  if (after.outcome === 'failed' && after.lastFailure !== before.lastFailure) {
    changes.push({
      kind: 'failed',
      failureCode: after.lastFailure?.code ?? null,
      failureMessage: after.lastFailure?.message ?? null,
    });
  }
  if (after.outcome === 'canceled' && before.outcome !== 'canceled') {
    changes.push({
      kind: 'failed',
      failureCode: 'canceled',
      failureMessage: 'The payment was canceled',
    });
  }
  if (after.amountRefunded > before.amountRefunded && after.chargeId) {
    changes.push({
      kind: 'refunded',
      amountRefunded: after.amountRefunded,
      currency: after.currency ?? '',
      fullyRefunded: after.amount !== null && after.amountRefunded >= after.amount,
      chargeId: after.chargeId,
    });
  }
  for (const dispute of after.disputes) {
    if (!before.disputes.some((d) => d.disputeId === dispute.disputeId))
      changes.push({ kind: 'disputed', dispute });
  }
  return changes;
}
