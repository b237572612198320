import { LoopbackHttpServer, readBody } from '../loopback-http-server';
import { generateKeyPairSync, randomBytes, type KeyObject, verify } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';

export const FIREBASE_MESSAGING_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_PATH = '/token';
/** Google allows a few minutes of clock skew on `iat`. */
const CLOCK_SKEW_S = 300;

/** A service account made by the fake: its key file text and what the fake knows of it. */
export interface FakeServiceAccount {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
  /** The JSON key file, as Google's console downloads it, with token_uri at the fake. */
  readonly keyFile: string;
}

/** An access token the fake issued, as FCM's fake checks it. */
export interface IssuedToken {
  readonly clientEmail: string;
  readonly projectId: string;
  readonly expiresAt: number;
  revoked: boolean;
}

export type AccessTokenCheck =
  | { readonly valid: true; readonly token: IssuedToken }
  | { readonly valid: false; readonly reason: 'unknown' | 'expired' | 'revoked' };

/** The OAuth error a refused grant gets, as Google's token endpoint words it. */
class OAuthRefusal extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
  }
}

export interface FakeGoogleOAuthOptions {
  /** `expires_in` of the tokens it issues; a few seconds lets tests see refreshes. Default 3599. */
  expiresInSeconds?: number;
}

/**
 * Google's OAuth2 token endpoint for service accounts (the JWT bearer grant) on 127.0.0.1. It
 * verifies assertions as Google does (RS256 against the account's public key, iss, scope, aud,
 * an hour at most, not expired) and answers short-lived random access tokens, or Google's
 * `invalid_grant` bodies. The fake FCM asks it whether a bearer token is valid.
 */
export class FakeGoogleOAuth {
  /** Access tokens granted so far (refused requests not counted). */
  grants = 0;
  /** Every request to the token endpoint, granted or not. */
  tokenRequests = 0;
  expiresInSeconds: number;
  private readonly accounts = new Map<string, FakeServiceAccount>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly server: LoopbackHttpServer;
  private held: Array<() => void> | null = null;
  private outageLeft = 0;

  constructor(options: FakeGoogleOAuthOptions = {}) {
    this.expiresInSeconds = options.expiresInSeconds ?? 3599;
    this.server = new LoopbackHttpServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal_failure', error_description: String(err) }));
      });
    });
  }

  start(): Promise<string> {
    return this.server.start();
  }

  /** The token_uri of the accounts it makes. */
  get tokenUrl(): string {
    if (!this.server.url) throw new Error('FakeGoogleOAuth: call start() first');
    return `${this.server.url}${TOKEN_PATH}`;
  }

  async stop(): Promise<void> {
    this.release();
    await this.server.stop();
  }

  /** A new service account (a fresh 2048-bit RSA key) the fake accepts assertions from. */
  createServiceAccount(projectId = 'switchyard-test'): FakeServiceAccount {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const clientEmail = `push-${randomBytes(4).toString('hex')}@${projectId}.iam.gserviceaccount.com`;
    const keyFile = JSON.stringify(
      {
        type: 'service_account',
        project_id: projectId,
        private_key_id: randomBytes(20).toString('hex'),
        private_key: privateKeyPem,
        client_email: clientEmail,
        client_id: String(BigInt(`0x${randomBytes(8).toString('hex')}`)),
        auth_uri: 'https://accounts.google.com/o/oauth2/auth',
        token_uri: this.tokenUrl,
        auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
        universe_domain: 'googleapis.com',
      },
      null,
      2,
    );
    const account = { projectId, clientEmail, privateKeyPem, publicKey, keyFile };
    this.accounts.set(clientEmail, account);
    return account;
  }

  /**
   * The account's key file with another RSA key in private_key: what a deleted or rotated key
   * looks like from our side (Google answers `invalid_grant: Invalid JWT Signature.`).
   */
  keyFileWithForeignKey(account: FakeServiceAccount): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const file = JSON.parse(account.keyFile) as Record<string, unknown>;
    file.private_key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    return JSON.stringify(file, null, 2);
  }

  /** Whether FCM should accept this bearer token. */
  checkAccessToken(token: string): AccessTokenCheck {
    const issued = this.tokens.get(token);
    if (!issued) return { valid: false, reason: 'unknown' };
    if (issued.revoked) return { valid: false, reason: 'revoked' };
    if (Date.now() >= issued.expiresAt) return { valid: false, reason: 'expired' };
    return { valid: true, token: issued };
  }

  /** Revokes one token: FCM refuses it from now on, as after a revocation at Google. */
  revoke(token: string): void {
    const issued = this.tokens.get(token);
    if (issued) issued.revoked = true;
  }

  /** The access tokens issued so far, oldest first. */
  issuedTokens(): string[] {
    return [...this.tokens.keys()];
  }

  /** Revokes every token issued so far, as deleting a key or an outage of the token would. */
  revokeAll(): void {
    for (const issued of this.tokens.values()) issued.revoked = true;
  }

  /** The next `requests` token requests are answered 503, as during an outage at Google. */
  failNext(requests: number): void {
    this.outageLeft = requests;
  }

  /** Token requests wait until `release()`: lets a test start sends during a refresh. */
  hold(): void {
    this.held ??= [];
  }

  /** Requests held by `hold()`. */
  get waiting(): number {
    return this.held?.length ?? 0;
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const go of held) go();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-oauth.invalid');
    if (req.method !== 'POST' || url.pathname !== TOKEN_PATH) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>');
      return;
    }
    this.tokenRequests++;
    if (this.held) await new Promise<void>((go) => this.held?.push(go) ?? go());
    if (this.outageLeft > 0) {
      this.outageLeft--;
      res.writeHead(503, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: 'internal_failure', error_description: 'Backend Error' }));
      return;
    }
    try {
      const answer = this.grant(req.headers['content-type'], body);
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(answer));
    } catch (err) {
      if (!(err instanceof OAuthRefusal)) throw err;
      res.writeHead(err.status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: err.error, error_description: err.description }));
    }
  }

  private grant(
    contentType: string | undefined,
    body: string,
  ): { access_token: string; expires_in: number; token_type: 'Bearer' } {
    if (!contentType?.startsWith('application/x-www-form-urlencoded')) {
      throw new OAuthRefusal(400, 'invalid_request', 'Required parameter is missing: grant_type');
    }
    const form = new URLSearchParams(body);
    const grantType = form.get('grant_type');
    if (grantType !== JWT_BEARER) {
      throw new OAuthRefusal(
        400,
        'unsupported_grant_type',
        `Invalid grant_type: ${grantType ?? ''}`,
      );
    }
    const account = this.verifyAssertion(form.get('assertion') ?? '');
    const token = `ya29.${randomBytes(48).toString('base64url')}`;
    this.tokens.set(token, {
      clientEmail: account.clientEmail,
      projectId: account.projectId,
      expiresAt: Date.now() + this.expiresInSeconds * 1000,
      revoked: false,
    });
    this.grants++;
    return { access_token: token, expires_in: this.expiresInSeconds, token_type: 'Bearer' };
  }

  /** Google's checks of a service-account assertion, with Google's wording when one fails. */
  private verifyAssertion(assertion: string): FakeServiceAccount {
    const parts = assertion.split('.');
    const header = parts.length === 3 ? jsonPart(parts[0]) : undefined;
    const claims = parts.length === 3 ? jsonPart(parts[1]) : undefined;
    if (!header || !claims) throw invalidGrant('Invalid JWT: could not be parsed.');
    if (header.alg !== 'RS256') throw invalidGrant('Invalid JWT: alg must be RS256.');
    const account = typeof claims.iss === 'string' ? this.accounts.get(claims.iss) : undefined;
    if (!account) throw invalidGrant('Invalid grant: account not found');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    const signature = Buffer.from(parts[2], 'base64url');
    if (!verify('RSA-SHA256', signed, account.publicKey, signature)) {
      throw invalidGrant('Invalid JWT Signature.');
    }
    this.checkClaims(claims);
    return account;
  }

  private checkClaims(claims: Record<string, unknown>): void {
    if (claims.aud !== this.tokenUrl) {
      throw invalidGrant(
        `Invalid JWT: Failed audience check. The expected value was ${this.tokenUrl} but the ` +
          `actual value was ${String(claims.aud)}`,
      );
    }
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.includes(FIREBASE_MESSAGING_SCOPE)) {
      throw new OAuthRefusal(
        400,
        'invalid_scope',
        'Invalid OAuth scope or ID token audience provided.',
      );
    }
    const { iat, exp } = claims;
    const now = Date.now() / 1000;
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      exp - iat > 3600 ||
      exp <= now ||
      iat > now + CLOCK_SKEW_S
    ) {
      throw invalidGrant(
        'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable ' +
          'timeframe. Check your iat and exp values in the JWT claim.',
      );
    }
  }
}

function invalidGrant(description: string): OAuthRefusal {
  return new OAuthRefusal(400, 'invalid_grant', description);
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
