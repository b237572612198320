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
  /**
   * Whether this instance processes stored events. Intake and processing can run as separate
   * deployments, scaled apart: intake-only instances set this to false.
   */
  STRIPE_PROCESSOR_ENABLED: z
    .enum(['true', 'false'])
    .default('true')
    .transform((v) => v === 'true'),
  STRIPE_PROCESSOR_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /**
   * Batches one instance processes side by side while batches come back full (a backlog), each
   * in its own transaction (as separate instances would: claims skip what another holds, a
   * PaymentIntent's state row is locked while its events are applied). Each holds a database
   * connection of the pool of 10.
   */
  STRIPE_PROCESSOR_CONCURRENCY: z.coerce.number().int().min(1).max(8).default(4),
  /**
   * The most events one transaction claims and applies. A busy database's cost is round trips,
   * and a batch takes as many as one event; a larger batch holds its PaymentIntents' state rows
   * a little longer.
   */
  STRIPE_PROCESSOR_BATCH: z.coerce.number().int().min(1).max(500).default(50),
  /**
   * Secret API key. Without it payments still receives webhooks, but creates no PaymentIntents
   * and does not reconcile (a local stack with no Stripe account).
   */
  STRIPE_SECRET_KEY: z
    .string()
    .regex(
      /^(sk|rk)_(test|live)_\w+$/,
      'must be a Stripe secret or restricted key (sk_test_…, sk_live_…)',
    )
    .optional(),
  STRIPE_API_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
    .default('https://api.stripe.com'),
  /** How often to list Stripe's events for any webhook that never arrived; 0 turns it off. */
  STRIPE_RECONCILE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(5 * 60_000),
  /** How far back the first reconciliation looks, in seconds (Stripe keeps events 30 days). */
  STRIPE_RECONCILE_LOOKBACK_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400),
});
export type PaymentsConfig = z.infer<typeof PaymentsEnv>;
