import { counter } from '@switchyard/service';

/** Webhook requests by outcome: stored, duplicate, or rejected with its error code. */
export const stripeWebhooksTotal = counter(
  'switchyard_stripe_webhooks_total',
  'Stripe webhook requests, by outcome and error code',
  ['outcome', 'code'],
);

/** Events that reached us only through reconciliation: the webhook never arrived. */
export const stripeEventsRecoveredTotal = counter(
  'switchyard_stripe_events_recovered_total',
  'Stripe events ingested by reconciliation that no webhook had delivered',
  [],
);

/** Reconciliation rounds (listing Stripe's events since the last one), by result: ok or error. */
export const stripeReconciliationRunsTotal = counter(
  'switchyard_stripe_reconciliation_runs_total',
  "Reconciliation rounds against Stripe's events API, by result (ok, error)",
  ['result'],
);
