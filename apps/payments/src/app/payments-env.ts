import { commonEnv } from '@switchyard/service';
import { z } from 'zod';

export const PaymentsEnv = commonEnv({
  port: 3002,
  schema: 'payments',
  clientId: 'payments',
}).extend({
  /** Comma-separated: several secrets are active while one is rolled in the Stripe dashboard. */
  STRIPE_WEBHOOK_SECRETS: z
    .string({ error: 'set it to the endpoint signing secret(s) from Stripe, comma-separated' })
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(
      z
        .array(z.string().startsWith('whsec_', 'each Stripe webhook secret starts with "whsec_"'))
        .min(1),
    ),
  STRIPE_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  STRIPE_PROCESSOR_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
});
export type PaymentsConfig = z.infer<typeof PaymentsEnv>;
