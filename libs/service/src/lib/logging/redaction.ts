/** What a redacted value is replaced with, so a reader sees that something was there. */
export const REDACTED = '[redacted]';

/**
 * Request and response headers that carry credentials or signatures: the admin token and
 * partners' API keys (authorization), Stripe's signature, Standard Webhooks signatures, and
 * whatever a proxy or browser adds. pino-http logs every header of every request otherwise.
 */
const SECRET_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'stripe-signature',
  'webhook-signature',
];

/** pino `redact` paths: the secret headers of every logged request, and cookies we set. */
export const REDACTED_PATHS: readonly string[] = [
  ...SECRET_HEADERS.map((header) => `req.headers["${header}"]`),
  'res.headers["set-cookie"]',
];
