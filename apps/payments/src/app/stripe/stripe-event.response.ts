import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';
import { STRIPE_EVENT_STATUSES } from './stripe-events.repository';

/** A Stripe event as payments received and processed it, for operators. */
export const StripeEventResponse = z.object({
  id: z.string().describe('Stripe\'s event id, "evt_…"'),
  type: z.string(),
  status: z.enum(STRIPE_EVENT_STATUSES),
  source: z.enum(['webhook', 'reconciliation']).describe('How it reached us'),
  attempts: z.number().int().describe('Times processing was tried'),
  error: z.string().nullable().describe("The last processing attempt's error"),
  receivedAt: z.iso.datetime(),
  processedAt: z.iso.datetime().nullable(),
  payload: z.unknown().optional().describe('The event as Stripe sent it (one event only)'),
});
export type StripeEventResponse = z.infer<typeof StripeEventResponse>;

/** A page of Stripe events, newest first. */
export const StripeEventPageResponse = pageResponseOf(StripeEventResponse);
export type StripeEventPageResponse = z.infer<typeof StripeEventPageResponse>;

/** How many events a replay queued for processing again. */
export const ReplayedResponse = z.object({ replayed: z.number().int() });
export type ReplayedResponse = z.infer<typeof ReplayedResponse>;
