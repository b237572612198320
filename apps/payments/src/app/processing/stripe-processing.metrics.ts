import { counter } from '@switchyard/service';

/** Stored events this instance processed, by result: processed, ignored, retrying or failed. */
export const stripeEventsProcessedTotal = counter(
  'switchyard_stripe_events_processed_total',
  'Stored Stripe events processed by this instance, by result',
  ['result'],
);
