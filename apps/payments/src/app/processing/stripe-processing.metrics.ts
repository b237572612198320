import { counter, histogram } from '@switchyard/service';

/**
 * Stored events this instance processed, by Stripe event type and result: processed, ignored,
 * retrying or failed (parked). Types are Stripe's own catalog, from verified events only.
 */
export const stripeEventsProcessedTotal = counter(
  'switchyard_stripe_events_processed_total',
  'Stored Stripe events processed by this instance, by Stripe event type and result',
  ['type', 'result'],
);

/** From intake storing an event to its processing committing. */
export const stripeProcessingLag = histogram(
  'switchyard_stripe_processing_lag_seconds',
  'Time from a Stripe event being stored to its processing (domain events in the outbox)',
  [],
);
