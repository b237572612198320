import { z } from 'zod';

/** Stripe's 2xx: the event is stored (or had been: `duplicate`), to be processed afterwards. */
export const WebhookReceivedResponse = z.object({
  received: z.literal(true),
  duplicate: z.boolean().describe('The event had been received before; nothing new was stored'),
});
export type WebhookReceivedResponse = z.infer<typeof WebhookReceivedResponse>;
