import { randomBytes } from 'node:crypto';
import {
  equalInConstantTime,
  type HeaderBag,
  headerValue,
  hmacKey,
  type HmacKey,
  hmacSha256,
  toList,
} from './hmac';
import { SignatureVerificationError } from './signature-verification.error';
import { checkTolerance, parseUnixSeconds, type ToleranceOptions } from './timestamp-tolerance';

const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

export type StandardWebhookHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** A new secret: "whsec_" + base64 of `bytes` random bytes (32 by default, as svix does). */
export function generateSecret(bytes = 32): string {
  if (!Number.isInteger(bytes) || bytes < MIN_KEY_BYTES || bytes > MAX_KEY_BYTES) {
    throw new RangeError(`A secret holds ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes`);
  }
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The key bytes of a `whsec_` secret; anything else is an `invalid_secret` error. */
export function decodeSecret(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = Buffer.from(encoded, 'base64');
  if (
    key.toString('base64') !== encoded ||
    key.length < MIN_KEY_BYTES ||
    key.length > MAX_KEY_BYTES
  ) {
    throw new SignatureVerificationError(
      'invalid_secret',
      `A Standard Webhooks secret is "whsec_" followed by the base64 of ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes; make one with generateSecret()`,
    );
  }
  return key;
}

/** The base64 parts of the space-separated `v1,<base64>` signatures; other versions are skipped. */
function v1Signatures(header: string): string[] {
  const signatures: string[] = [];
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(' ', start);
    if (end < 0) end = header.length;
    if (header.startsWith('v1,', start)) signatures.push(header.slice(start + 3, end));
    start = end + 1;
  }
  return signatures;
}

function missing(name: string): SignatureVerificationError {
  return new SignatureVerificationError(
    'missing_header',
    `The "${name}" header is missing; Standard Webhooks senders set webhook-id, webhook-timestamp and webhook-signature`,
  );
}

/**
 * Standard Webhooks signing and verification with a fixed set of secrets (several while one is
 * rotated). Keys are decoded once, here; keep one instance per endpoint on hot paths.
 */
export class StandardWebhook {
  private readonly keys: readonly HmacKey[];

  constructor(secrets: string | readonly string[]) {
    const list = toList(secrets);
    if (list.length === 0) {
      throw new SignatureVerificationError('invalid_secret', 'At least one secret is needed');
    }
    this.keys = list.map((s) => hmacKey(decodeSecret(s)));
  }

  /** Headers for one attempt: one `v1,` signature per secret, space-separated. */
  sign(id: string, timestamp: number, body: Buffer | string): StandardWebhookHeaders {
    const prefix = `${id}.${timestamp}.`;
    let signature = '';
    for (const key of this.keys) {
      signature += `${signature ? ' ' : ''}v1,${hmacSha256(key, prefix, body, 'base64')}`;
    }
    return {
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
  }

  /**
   * Verifies a request over its raw body: any secret against any `v1` signature in the header,
   * within the timestamp tolerance. Throws SignatureVerificationError, and only that.
   */
  verify(headers: HeaderBag, body: Buffer | string, options: ToleranceOptions = {}): void {
    const id = headerValue(headers, 'webhook-id');
    if (!id) throw missing('webhook-id');
    const rawTimestamp = headerValue(headers, 'webhook-timestamp');
    if (!rawTimestamp) throw missing('webhook-timestamp');
    const signatureHeader = headerValue(headers, 'webhook-signature');
    if (!signatureHeader) throw missing('webhook-signature');
    const timestamp = parseUnixSeconds(rawTimestamp);
    if (timestamp === undefined) {
      throw new SignatureVerificationError(
        'malformed_header',
        'The "webhook-timestamp" header must be whole seconds since the Unix epoch',
      );
    }
    checkTolerance(timestamp, options, 'message');
    const candidates = v1Signatures(signatureHeader);
    if (candidates.length === 0) {
      throw new SignatureVerificationError(
        'malformed_header',
        'The "webhook-signature" header holds no "v1,<base64>" signature',
      );
    }
    const prefix = `${id}.${timestamp}.`;
    for (const key of this.keys) {
      const expected = hmacSha256(key, prefix, body, 'base64');
      for (const candidate of candidates) if (equalInConstantTime(expected, candidate)) return;
    }
    throw new SignatureVerificationError(
      'no_matching_signature',
      "No signature matches: check that the secret is the endpoint's current one and that the body is verified byte for byte as received, not re-serialized",
    );
  }
}

/** One-off signing; prefer a StandardWebhook instance when signing many messages. */
export function signStandardWebhook(
  secrets: string | readonly string[],
  id: string,
  timestamp: number,
  body: Buffer | string,
): StandardWebhookHeaders {
  return new StandardWebhook(secrets).sign(id, timestamp, body);
}

/** One-off verification; prefer a StandardWebhook instance when verifying many requests. */
export function verifyStandardWebhook(
  secrets: string | readonly string[],
  headers: HeaderBag,
  body: Buffer | string,
  options: ToleranceOptions = {},
): void {
  new StandardWebhook(secrets).verify(headers, body, options);
}
