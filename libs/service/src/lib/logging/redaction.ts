/** What a redacted value is replaced with, so a reader sees that something was there. */
export const REDACTED = '[redacted]';

/**
 * Request headers that carry credentials or signatures: the admin token and partners' API keys
 * (authorization), Stripe's signature, Standard Webhooks signatures, and whatever a proxy or
 * browser adds. A request line holds every header of the request otherwise.
 */
const SECRET_REQUEST_HEADERS = [
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'stripe-signature',
  'webhook-signature',
] as const;
/** Response headers that carry credentials: the cookies we set. */
const SECRET_RESPONSE_HEADERS = ['set-cookie'] as const;

interface WithHeaders {
  readonly headers?: Record<string, unknown>;
}

/**
 * The logged request or response with its secret headers replaced, or itself when it has none.
 * Done in the serializers rather than by pino's `redact`, which cost about 10 µs a request when
 * every request was bound to a child logger (docs/benchmarks.md): these touch only a line that
 * has a secret header.
 */
function withoutSecrets<T extends WithHeaders>(logged: T, secret: readonly string[]): T {
  const headers = logged?.headers;
  if (!headers || !secret.some((name) => name in headers)) return logged;
  const redacted = { ...headers };
  for (const name of secret) if (name in redacted) redacted[name] = REDACTED;
  return { ...logged, headers: redacted };
}

export const redactRequest = <T extends WithHeaders>(req: T): T =>
  withoutSecrets(req, SECRET_REQUEST_HEADERS);
export const redactResponse = <T extends WithHeaders>(res: T): T =>
  withoutSecrets(res, SECRET_RESPONSE_HEADERS);
