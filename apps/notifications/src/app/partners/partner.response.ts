import { z } from 'zod';

/** A new partner, with the only copy of its API key that is ever shown. */
export const CreatedPartnerResponse = z.object({
  id: z.uuid(),
  name: z.string(),
  apiKey: z.string().describe('Stored as a hash: keep it, it cannot be shown again'),
});
export type CreatedPartnerResponse = z.infer<typeof CreatedPartnerResponse>;

/** A portal link, shown this once; only its hash is kept. */
export const PortalLinkResponse = z.object({
  partnerName: z.string(),
  url: z.url().describe('Single use: opening it signs the partner in and spends it'),
  capability: z.enum(['read', 'manage']),
  expiresAt: z.iso.datetime().describe('Unused after this, the link no longer works'),
});
export type PortalLinkResponse = z.infer<typeof PortalLinkResponse>;
