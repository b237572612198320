import { parseSchedule } from '@switchyard/retry';
import { commonEnv } from '@switchyard/service';
import { z } from 'zod';
import { isDnsServerAddress } from './delivery/url-safety/dns-servers-resolver';

/** A comma-separated list, blanks ignored, each entry checked by `entry`; empty by default. */
function commaSeparated<T>(entry: z.ZodType<T, string>) {
  return z
    .string()
    .default('')
    .transform((text) =>
      text
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    )
    .pipe(z.array(entry));
}

/** A retry schedule such as "0,5s,5m" (libs/retry's parseSchedule), checked at start. */
function retrySchedule(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseSchedule(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });
}

export const NotificationsEnv = commonEnv({
  port: 3003,
  schema: 'notifications',
  clientId: 'notifications',
}).extend({
  DELIVERY_RETRY_SCHEDULE: retrySchedule('0,5s,5m,30m,2h,5h,10h,10h'),
  DELIVERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  DELIVERY_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /**
   * CIDRs deliveries may reach although they are not public (127.0.0.0/8 for local development).
   * Empty by default: only public unicast addresses.
   */
  DELIVERY_ALLOWED_NETWORKS: commaSeparated(
    z.union([z.cidrv4(), z.cidrv6(), z.ipv4(), z.ipv6()], {
      error: 'each entry must be an IP address or CIDR',
    }),
  ),
  /**
   * DNS servers that resolve delivery host names (A and AAAA), as `ip[:port]`, comma-separated.
   * Empty by default: the system resolver, as every other program on the machine.
   */
  DELIVERY_DNS_SERVERS: commaSeparated(
    z.string().refine(isDnsServerAddress, {
      error:
        'each entry must be an IP address with an optional port, such as 10.0.0.2, 10.0.0.2:5353 or [2001:db8::53]:53',
    }),
  ),
  /**
   * Endpoints whose deliveries are counted under their own id in `switchyard_deliveries_total`
   * (others under "other"): per-endpoint figures for the endpoints an operator watches, while
   * the series stay bounded by this list, never by how many endpoints partners make.
   */
  METRICS_LABELLED_ENDPOINTS: commaSeparated(
    z.uuid({ error: 'each entry must be an endpoint id' }),
  ).refine((ids) => ids.length <= 100, {
    error: 'at most 100 endpoints: every one adds series to every scrape',
  }),
  /** https only; on by default when NODE_ENV=production. */
  DELIVERY_REQUIRE_HTTPS: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? process.env['NODE_ENV'] === 'production' : v === 'true')),
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  /** Consecutive failed attempts that open an endpoint's circuit. */
  DELIVERY_BREAKER_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  /** How long an open circuit sends nothing before one probe. */
  DELIVERY_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(10).max(86_400_000).default(60_000),
  /** An endpoint failing without a single success for this long is disabled (default 5 days). */
  DELIVERY_AUTO_DISABLE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(10)
    .default(5 * 86_400_000),
  /** Where partners reach this service: thin payloads link to `<this>/v1/events/:id`. */
  NOTIFICATIONS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DELIVERY_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * How long a claimed delivery stays this instance's without a renewal. Renewed while the request
   * is in flight, so a crashed instance's deliveries are sent again by another within about this.
   */
  DELIVERY_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  /** On SIGTERM, how long requests in flight may finish before they are cut and rescheduled. */
  DELIVERY_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(5000),
  /**
   * The shop backend's credential for the devices API (`Authorization: Bearer …`); ADMIN_TOKEN
   * is accepted too. Unset, and without ADMIN_TOKEN, the devices API answers 403.
   */
  DEVICES_API_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  /**
   * A JSON file of push rules (which event makes which notification, in which languages; see
   * docs/push.md). Unset: the built-in rules for order.paid, order.fulfilled and
   * order.payment_failed. Read and checked at start: a bad file stops the service.
   */
  PUSH_RULES_FILE: z.string().min(1).optional(),
  /**
   * APNs token auth: the .p8 key file Apple issued, its key id and the team id. All three, or
   * none (no APNs). Read at start; the key is never logged.
   */
  APNS_KEY_FILE: z.string().min(1).optional(),
  APNS_KEY_ID: z
    .string()
    .regex(/^[A-Z0-9]{10}$/, 'must be the 10-character key id Apple shows')
    .optional(),
  APNS_TEAM_ID: z
    .string()
    .regex(/^[A-Z0-9]{10}$/, 'must be the 10-character team id')
    .optional(),
  /** APNs hosts (production and development tokens), their port, and a CA file for a test server. */
  APNS_HOST: z.string().min(1).default('api.push.apple.com'),
  APNS_SANDBOX_HOST: z.string().min(1).default('api.sandbox.push.apple.com'),
  APNS_PORT: z.coerce.number().int().min(1).max(65_535).default(443),
  APNS_CA_FILE: z.string().min(1).optional(),
  /** FCM: a Google service-account key file (JSON) with the firebase.messaging scope. */
  FCM_SERVICE_ACCOUNT_FILE: z.string().min(1).optional(),
  FCM_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://fcm.googleapis.com'),
  PUSH_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** When a push is tried again after 429, 5xx or a lost connection (a provider's retry-after wins). */
  PUSH_RETRY_SCHEDULE: retrySchedule('0,30s,2m,10m,30m,1h'),
  /**
   * Where the console reaches payments' admin API (Stripe events), with ADMIN_TOKEN: the
   * services of one deployment share it.
   */
  PAYMENTS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3002'),
  /** Where the console's overview reads orders' metrics (`/metrics`). */
  ORDERS_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
  /** How long a console session stays signed in without being used. */
  CONSOLE_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** How long a console session lasts at most, however much it is used. */
  CONSOLE_SESSION_MAX_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(12),
  /** How long a partner portal link can be used (once). */
  CONSOLE_PORTAL_LINK_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(15),
  /** Console cookies are sent over HTTPS only; on by default when NODE_ENV=production. */
  CONSOLE_SECURE_COOKIES: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => (v === undefined ? process.env['NODE_ENV'] === 'production' : v === 'true')),
  /**
   * First run: with both set, an operator with this email and password is created at start when
   * there is none yet (`npm run console:operator` adds more). Ignored once an operator exists.
   */
  CONSOLE_BOOTSTRAP_EMAIL: z.email().optional(),
  CONSOLE_BOOTSTRAP_PASSWORD: z
    .string()
    .min(12, 'must be at least 12 characters')
    .max(256, 'must be at most 256 characters')
    .optional(),
});
export type NotificationsConfig = z.infer<typeof NotificationsEnv>;
