import { randomBytes } from 'node:crypto';
import { equalInConstantTime, hmacSha256 } from './hmac';
import { SignatureVerificationError } from './signature-verification.error';

const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

export type StandardWebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** Generates a `whsec_` secret of 32 random bytes, the size svix and Standard Webhooks use. */
export function generateSecret(bytes = 32): string {
  if (bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw new RangeError(`A secret must hold ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} bytes`);
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = Buffer.from(encoded, 'base64');
  const isCanonicalBase64 = key.toString('base64') === encoded;
  if (!isCanonicalBase64 || key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new SignatureVerificationError(
      'invalid_secret',
      `A Standard Webhooks secret is "whsec_" followed by the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes; generate one with generateSecret()`,
    );
  }
  return key;
}

function signatureOf(key: Buffer, id: string, timestamp: number, body: Buffer | string): string {
  return hmacSha256(key, `${id}.${timestamp}.`, body).toString('base64');
}

/**
 * Signs one message. With several secrets (rotation) the header carries one `v1,` signature
 * per secret, space-separated, and a receiver holding any one of them accepts it.
 */
export function signStandardWebhook(
  secrets: string | readonly string[],
  id: string,
  timestamp: number,
  body: Buffer | string,
): StandardWebhookHeaders {
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(decodeSecret);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((k) => `v1,${signatureOf(k, id, timestamp, body)}`).join(' '),
  };
}

export interface VerifyOptions {
  readonly toleranceSeconds?: number;
  readonly now?: () => number;
}

type HeaderBag = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: HeaderBag, name: string): string {
  const value = headers[name];
  const single = Array.isArray(value) ? value[0] : value;
  if (!single) {
    throw new SignatureVerificationError(
      'missing_header',
      `The "${name}" header is missing; a Standard Webhooks sender sets webhook-id, webhook-timestamp and webhook-signature`,
    );
  }
  return single;
}

function checkTimestamp(raw: string, options: VerifyOptions): number {
  if (!/^\d{1,12}$/.test(raw)) {
    throw new SignatureVerificationError(
      'malformed_header',
      'The "webhook-timestamp" header must be whole seconds since the Unix epoch',
    );
  }
  const timestamp = Number(raw);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (timestamp < now - tolerance) {
    throw new SignatureVerificationError(
      'timestamp_too_old',
      `The message was signed ${now - timestamp}s ago, beyond the ${tolerance}s tolerance; it may be a replay, or the sender's clock is slow`,
    );
  }
  if (timestamp > now + tolerance) {
    throw new SignatureVerificationError(
      'timestamp_in_future',
      `The message is timestamped ${timestamp - now}s in the future, beyond the ${tolerance}s tolerance; check the sender's clock`,
    );
  }
  return timestamp;
}

/**
 * Verifies a Standard Webhooks request over its raw body against any of `secrets`.
 * Headers must be keyed in lower case (Node's and Fastify's default).
 */
export function verifyStandardWebhook(
  secrets: string | readonly string[],
  headers: HeaderBag,
  body: Buffer | string,
  options: VerifyOptions = {},
): void {
  const id = header(headers, 'webhook-id');
  const timestamp = checkTimestamp(header(headers, 'webhook-timestamp'), options);
  const candidates = header(headers, 'webhook-signature')
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  if (candidates.length === 0) {
    throw new SignatureVerificationError(
      'malformed_header',
      'The "webhook-signature" header holds no "v1,<base64>" signature',
    );
  }
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map(decodeSecret);
  for (const key of keys) {
    const expected = hmacSha256(key, `${id}.${timestamp}.`, body);
    if (candidates.some((candidate) => equalInConstantTime(expected, candidate))) return;
  }
  throw new SignatureVerificationError(
    'no_matching_signature',
    'No signature matches the body with the configured secret; check that the endpoint secret is current and that the body is verified byte for byte as received',
  );
}
