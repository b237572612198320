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

/**
 * How a provider signs: an HMAC-SHA256 of the raw body, in one header, hex or base64, maybe
 * behind a prefix. Adding an inbound provider of this kind is configuration, not code.
 */
export interface HmacScheme {
  /** Lower-case header name. */
  readonly header: string;
  readonly encoding: 'hex' | 'base64';
  /** Text before the digest, such as GitHub's "sha256=". */
  readonly prefix?: string;
}

export const HmacSchemes = {
  github: { header: 'x-hub-signature-256', encoding: 'hex', prefix: 'sha256=' },
  shopify: { header: 'x-shopify-hmac-sha256', encoding: 'base64' },
} as const satisfies Record<string, HmacScheme>;

/**
 * Body-only HMAC schemes carry no timestamp, so they cannot refuse a replay by themselves;
 * the caller's idempotency (a unique delivery or event id) has to.
 */
export class HmacSignatureVerifier {
  private readonly keys: readonly HmacKey[];

  constructor(
    private readonly scheme: HmacScheme,
    secrets: string | readonly string[],
  ) {
    const list = toList(secrets);
    if (list.length === 0 || list.some((s) => s.length === 0)) {
      throw new SignatureVerificationError(
        'invalid_secret',
        `Configure the non-empty signing secret the provider shows for "${scheme.header}"`,
      );
    }
    this.keys = list.map((s) => hmacKey(s));
  }

  sign(body: Buffer | string): string {
    const [key] = this.keys;
    return `${this.scheme.prefix ?? ''}${hmacSha256(key as HmacKey, '', body, this.scheme.encoding)}`;
  }

  verify(headers: HeaderBag, body: Buffer | string): void {
    const { header, prefix = '', encoding } = this.scheme;
    const value = headerValue(headers, header);
    if (!value) {
      throw new SignatureVerificationError('missing_header', `The "${header}" header is missing`);
    }
    if (!value.startsWith(prefix)) {
      throw new SignatureVerificationError(
        'malformed_header',
        `The "${header}" header must be "${prefix}<${encoding} HMAC-SHA256 of the body>"`,
      );
    }
    const raw = value.slice(prefix.length).trim();
    const candidate = encoding === 'hex' ? raw.toLowerCase() : raw;
    for (const key of this.keys) {
      if (equalInConstantTime(hmacSha256(key, '', body, encoding), candidate)) return;
    }
    throw new SignatureVerificationError(
      'no_matching_signature',
      `The "${header}" signature does not match the body: check the configured secret, and verify the raw bytes as received`,
    );
  }
}
