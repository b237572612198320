import { equalInConstantTime, hmacSha256 } from './hmac';
import { SignatureVerificationError } from './signature-verification.error';

export const STRIPE_DEFAULT_TOLERANCE_SECONDS = 300;

export interface StripeVerifyOptions {
  readonly toleranceSeconds?: number;
  readonly now?: () => number;
}

interface ParsedStripeHeader {
  readonly timestamp: number;
  readonly signatures: Buffer[];
}

function parseStripeHeader(header: string | undefined): ParsedStripeHeader {
  if (!header) {
    throw new SignatureVerificationError(
      'missing_header',
      'The "Stripe-Signature" header is missing; is this request from Stripe?',
    );
  }
  let timestamp = Number.NaN;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    const scheme = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (scheme === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // Unknown schemes (v0, future ones) are ignored, as Stripe's own libraries do.
    if (scheme === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (Number.isNaN(timestamp) || signatures.length === 0) {
    throw new SignatureVerificationError(
      'malformed_header',
      'The "Stripe-Signature" header needs "t=<unix seconds>" and at least one "v1=<hex HMAC-SHA256>"',
    );
  }
  return { timestamp, signatures };
}

function checkSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0 || secrets.some((s) => !s.startsWith('whsec_'))) {
    throw new SignatureVerificationError(
      'invalid_secret',
      'A Stripe webhook signing secret starts with "whsec_"; copy it from the endpoint in the Stripe dashboard or from `stripe listen`',
    );
  }
}

/**
 * Verifies a `Stripe-Signature` header over the raw request body against any of `secrets`
 * (several are active while an endpoint's secret is rolled). Returns the signed timestamp.
 */
export function verifyStripeSignature(
  secrets: string | readonly string[],
  header: string | undefined,
  body: Buffer | string,
  options: StripeVerifyOptions = {},
): number {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  checkSecrets(keys);
  const { timestamp, signatures } = parseStripeHeader(header);
  const matches = keys.some((secret) => {
    const expected = hmacSha256(secret, `${timestamp}.`, body);
    return signatures.some((candidate) => equalInConstantTime(expected, candidate));
  });
  if (!matches) {
    throw new SignatureVerificationError(
      'no_matching_signature',
      'No v1 signature matches the raw body; check the webhook secret, and verify the body exactly as received (not re-serialized JSON)',
    );
  }
  const tolerance = options.toleranceSeconds ?? STRIPE_DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (timestamp < now - tolerance) {
    throw new SignatureVerificationError(
      'timestamp_too_old',
      `The signature is ${now - timestamp}s old, beyond the ${tolerance}s tolerance; a replayed request, or a clock out of sync`,
    );
  }
  if (timestamp > now + tolerance) {
    throw new SignatureVerificationError(
      'timestamp_in_future',
      `The signature is ${timestamp - now}s in the future, beyond the ${tolerance}s tolerance; check this server's clock`,
    );
  }
  return timestamp;
}

/** Builds a `Stripe-Signature` header the way Stripe does, for tests and local tools. */
export function generateStripeSignatureHeader(
  secret: string,
  body: Buffer | string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  checkSecrets([secret]);
  return `t=${timestamp},v1=${hmacSha256(secret, `${timestamp}.`, body).toString('hex')}`;
}
