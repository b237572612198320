import { equalInConstantTime, hmacKey, type HmacKey, hmacSha256, toList } from './hmac';
import { SignatureVerificationError } from './signature-verification.error';
import { checkTolerance, parseUnixSeconds, type ToleranceOptions } from './timestamp-tolerance';

export const STRIPE_DEFAULT_TOLERANCE_SECONDS = 300;

interface ParsedStripeHeader {
  readonly timestamp: number;
  readonly signatures: readonly string[];
}

function parseStripeHeader(header: string | undefined): ParsedStripeHeader {
  if (!header) {
    throw new SignatureVerificationError(
      'missing_header',
      'The "Stripe-Signature" header is missing; is this request from Stripe?',
    );
  }
  let timestamp: number | undefined;
  const signatures: string[] = [];
  // Parsed as stripe-node parses it: comma-separated "scheme=value" pairs, compared as sent.
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(',', start);
    if (end < 0) end = header.length;
    const separator = header.indexOf('=', start);
    if (separator > start && separator < end) {
      const scheme = header.slice(start, separator);
      const value = header.slice(separator + 1, end);
      if (scheme === 't') timestamp = parseUnixSeconds(value);
      // v0 and schemes Stripe may add later are ignored, as Stripe's own libraries do.
      else if (scheme === 'v1') signatures.push(value);
    }
    start = end + 1;
  }
  if (timestamp === undefined || signatures.length === 0) {
    throw new SignatureVerificationError(
      'malformed_header',
      'The "Stripe-Signature" header needs "t=<unix seconds>" and at least one "v1=<hex HMAC-SHA256>"',
    );
  }
  return { timestamp, signatures };
}

function stripeKeys(secrets: readonly string[]): HmacKey[] {
  if (secrets.length === 0 || secrets.some((s) => !s.startsWith('whsec_'))) {
    throw new SignatureVerificationError(
      'invalid_secret',
      'A Stripe webhook signing secret starts with "whsec_"; copy it from the endpoint in the Stripe dashboard, or from `stripe listen`',
    );
  }
  // Stripe keys the HMAC with the whole secret string, prefix included.
  return secrets.map((s) => hmacKey(s));
}

/**
 * Verifies Stripe's `Stripe-Signature` over the raw request body, against any of several
 * secrets (an endpoint has two while its secret is rolled). Keys are prepared once.
 */
export class StripeSignatureVerifier {
  private readonly keys: readonly HmacKey[];

  constructor(secrets: string | readonly string[]) {
    this.keys = stripeKeys(toList(secrets));
  }

  /** Returns the signed timestamp; throws SignatureVerificationError, and only that. */
  verify(
    header: string | undefined,
    body: Buffer | string,
    options: ToleranceOptions = {},
  ): number {
    const { timestamp, signatures } = parseStripeHeader(header);
    const prefix = `${timestamp}.`;
    const matches = this.keys.some((key) => {
      const expected = hmacSha256(key, prefix, body, 'hex');
      return signatures.some((candidate) => equalInConstantTime(expected, candidate));
    });
    if (!matches) {
      throw new SignatureVerificationError(
        'no_matching_signature',
        'No v1 signature matches the raw body: check the webhook secret, and verify the body exactly as received (not re-serialized JSON)',
      );
    }
    checkTolerance(
      timestamp,
      { toleranceSeconds: STRIPE_DEFAULT_TOLERANCE_SECONDS, ...options },
      'Stripe event',
    );
    return timestamp;
  }

  /** A header as Stripe builds it, for tests and local tools. */
  sign(body: Buffer | string, timestamp = Math.floor(Date.now() / 1000)): string {
    const prefix = `${timestamp}.`;
    const v1 = this.keys.map((key) => `v1=${hmacSha256(key, prefix, body, 'hex')}`);
    return `t=${timestamp},${v1.join(',')}`;
  }
}

export function verifyStripeSignature(
  secrets: string | readonly string[],
  header: string | undefined,
  body: Buffer | string,
  options: ToleranceOptions = {},
): number {
  return new StripeSignatureVerifier(secrets).verify(header, body, options);
}

export function generateStripeSignatureHeader(
  secret: string,
  body: Buffer | string,
  timestamp = Math.floor(Date.now() / 1000),
): string {
  return new StripeSignatureVerifier(secret).sign(body, timestamp);
}
