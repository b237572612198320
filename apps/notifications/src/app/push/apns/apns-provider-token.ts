import { createPrivateKey, type KeyObject, sign } from 'node:crypto';

export interface ApnsProviderTokenOptions {
  /** The .p8 file's text: a PKCS#8 PEM of an EC P-256 key. */
  readonly keyPem: string;
  /** The key's 10-character id in the developer account (the JWT `kid`). */
  readonly keyId: string;
  /** The team id (the JWT `iss`). */
  readonly teamId: string;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  readonly clock?: () => number;
}

/** The APNs signing key is unusable; the message says what to give instead (never the key). */
export class ApnsKeyError extends Error {
  override readonly name = 'ApnsKeyError';
}

/**
 * Apple answers 429 TooManyProviderTokenUpdates to a token refreshed sooner than 20 minutes
 * after the previous one, and 403 ExpiredProviderToken to one older than 60: refresh at 20.
 */
export const PROVIDER_TOKEN_REFRESH_MS = 20 * 60_000;

interface IssuedToken {
  readonly jwt: string;
  readonly issuedAtMs: number;
}

/**
 * The provider authentication token (an ES256 JWT) every APNs request carries. One per key,
 * shared by all sends and both hosts: signing per request would cost CPU and Apple throttles
 * token changes.
 */
export class ApnsProviderToken {
  readonly #key: KeyObject;
  readonly #keyId: string;
  readonly #teamId: string;
  readonly #clock: () => number;
  #current: IssuedToken | null = null;

  constructor(options: ApnsProviderTokenOptions) {
    this.#key = loadSigningKey(options.keyPem);
    this.#keyId = requireText(options.keyId, 'keyId', 'the key id shown next to the key');
    this.#teamId = requireText(options.teamId, 'teamId', 'the team id of the developer account');
    this.#clock = options.clock ?? Date.now;
  }

  /** The current token, issued afresh once the previous one is 20 minutes old. */
  get(): string {
    const now = this.#clock();
    if (this.#current === null || now - this.#current.issuedAtMs >= PROVIDER_TOKEN_REFRESH_MS) {
      this.#current = { jwt: this.#issue(now), issuedAtMs: now };
    }
    return this.#current.jwt;
  }

  /**
   * APNs called `jwt` expired: the next `get` issues a new one. Sends that failed together with
   * the same token all call this; only the first changes anything, so the token is replaced once.
   */
  invalidate(jwt: string): void {
    if (this.#current?.jwt === jwt) this.#current = null;
  }

  #issue(nowMs: number): string {
    const header = encodeJson({ alg: 'ES256', kid: this.#keyId });
    const claims = encodeJson({ iss: this.#teamId, iat: Math.floor(nowMs / 1000) });
    const signingInput = `${header}.${claims}`;
    // JWS wants the raw r||s form (IEEE P1363), not Node's default DER.
    const signature = sign('sha256', Buffer.from(signingInput), {
      key: this.#key,
      dsaEncoding: 'ieee-p1363',
    });
    return `${signingInput}.${signature.toString('base64url')}`;
  }

  /** Keeps the key out of logs and serialised config dumps. */
  toJSON(): Record<string, string> {
    return { keyId: this.#keyId, teamId: this.#teamId };
  }
}

function encodeJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function loadSigningKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message may quote the input: say what is expected instead.
    throw new ApnsKeyError(
      'APNs keyPem is not a PEM private key: give the text of the .p8 file downloaded from the ' +
        'Apple developer account, from "-----BEGIN PRIVATE KEY-----" to "-----END PRIVATE KEY-----"',
    );
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ApnsKeyError(
      `APNs keyPem is a ${key.asymmetricKeyType ?? 'unknown'} key; APNs token authentication ` +
        'needs the EC P-256 key of an APNs .p8 file',
    );
  }
  return key;
}

function requireText(value: string, name: string, hint: string): string {
  if (value.trim() === '') throw new ApnsKeyError(`APNs ${name} is empty: give ${hint}`);
  return value;
}
