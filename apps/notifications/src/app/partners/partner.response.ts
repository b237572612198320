import { z } from 'zod';

/** A new partner, with the only copy of its API key that is ever shown. */
export const CreatedPartnerResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  apiKey: z.string().describe('Stored as a hash: keep it, it cannot be shown again'),
});
export type CreatedPartnerResponse = z.infer<typeof CreatedPartnerResponse>;
