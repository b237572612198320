import { errorCodeOf, postForAnswer } from '../../delivery/outbound-answer';
import { createSign } from 'node:crypto';
import { Pool } from 'undici';
import { z } from 'zod';
import { type ServiceAccount } from './service-account';

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google accepts assertions of at most an hour. */
const ASSERTION_LIFETIME_S = 3600;
const REFRESH_MARGIN_MS = 60_000;
const ANSWER_LIMIT = 16_384;

/** Milliseconds since the epoch; injectable so tests can move time. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** Google's token endpoint refused the service account or could not be reached. */
export class FcmAuthError extends Error {
  override readonly name = 'FcmAuthError';
  constructor(
    message: string,
    /** The token endpoint's HTTP status; null when it did not answer. */
    readonly statusCode: number | null,
    /** The OAuth `error` (`invalid_grant`...), null when there was none. */
    readonly oauthError: string | null,
    /** True when trying again later may work (network, 5xx); false when an operator must act. */
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface FcmAccessTokensOptions {
  readonly serviceAccount: ServiceAccount;
  readonly requestTimeoutMs: number;
  readonly clock?: Clock;
}

interface CachedToken {
  readonly token: string;
  /** When to fetch a new one: shortly before Google's expiry. */
  readonly refreshAt: number;
  readonly expiresAt: number;
}

const TokenAnswer = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
});
const OAuthErrorAnswer = z.object({ error: z.string(), error_description: z.string().optional() });

/**
 * OAuth2 access tokens for FCM from a service account (the JWT bearer grant, RFC 7523), cached
 * until shortly before they expire. One request at a time: callers during a refresh share it.
 */
export class FcmAccessTokens {
  private readonly pool: Pool;
  private readonly tokenPath: string;
  private readonly clock: Clock;
  private current: CachedToken | null = null;
  private inFlight: Promise<CachedToken> | null = null;

  constructor(private readonly options: FcmAccessTokensOptions) {
    const url = new URL(options.serviceAccount.tokenUri);
    this.pool = new Pool(url.origin);
    this.tokenPath = `${url.pathname}${url.search}`;
    this.clock = options.clock ?? systemClock;
  }

  /** A valid access token; the caller's `signal` stops its wait, not the shared request. */
  async get(signal?: AbortSignal): Promise<string> {
    const cached = this.current;
    if (cached && this.clock.now() < cached.refreshAt) return cached.token;
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = null));
    try {
      return (await abortable(this.inFlight, signal)).token;
    } catch (err) {
      // An early refresh that failed need not stop sends while the old token still holds.
      if (cached && this.current === cached && this.clock.now() < cached.expiresAt) {
        return cached.token;
      }
      throw err;
    }
  }

  /**
   * FCM refused `token` (401 without an FcmError): the next `get` fetches a new one. A token
   * already replaced is ignored, so many sends refused together cause one refresh.
   */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async refresh(): Promise<CachedToken> {
    const issuedAt = this.clock.now();
    const answer = await this.requestToken(this.assertion(Math.floor(issuedAt / 1000)));
    const lifetimeMs = answer.expires_in * 1000;
    // A minute early, or a tenth of the lifetime when it is short, so no send carries a token
    // that expires on the way.
    const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs / 10);
    const expiresAt = issuedAt + lifetimeMs;
    this.current = { token: answer.access_token, refreshAt: expiresAt - margin, expiresAt };
    return this.current;
  }

  private assertion(iat: number): string {
    const { clientEmail, tokenUri, privateKey } = this.options.serviceAccount;
    const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
    const claims = base64url(
      JSON.stringify({
        iss: clientEmail,
        scope: FCM_SCOPE,
        aud: tokenUri,
        iat,
        exp: iat + ASSERTION_LIFETIME_S,
      }),
    );
    const signature = createSign('RSA-SHA256').update(`${header}.${claims}`).sign(privateKey);
    return `${header}.${claims}.${signature.toString('base64url')}`;
  }

  private async requestToken(assertion: string): Promise<z.infer<typeof TokenAnswer>> {
    const { tokenUri, clientEmail } = this.options.serviceAccount;
    let statusCode: number;
    let text: string;
    try {
      const answer = await postForAnswer(this.pool, {
        path: this.tokenPath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: JWT_BEARER, assertion }).toString(),
        timeoutMs: this.options.requestTimeoutMs,
        bodyLimit: ANSWER_LIMIT,
      });
      statusCode = answer.statusCode;
      text = answer.body;
    } catch (err) {
      throw new FcmAuthError(
        `Could not reach Google's token endpoint ${tokenUri} (${errorCodeOf(err)}): check ` +
          'token_uri in the key file and that this host may connect to it.',
        null,
        null,
        true,
      );
    }
    if (statusCode === 200) {
      const ok = TokenAnswer.safeParse(safeJson(text));
      if (ok.success) return ok.data;
      throw new FcmAuthError(
        `Google's token endpoint ${tokenUri} answered 200 without access_token and expires_in: ` +
          'check token_uri points at https://oauth2.googleapis.com/token.',
        statusCode,
        null,
        false,
      );
    }
    throw refusal(statusCode, text, clientEmail, tokenUri);
  }
}

/** The token endpoint's refusal as an error that says what to check. */
function refusal(
  statusCode: number,
  text: string,
  clientEmail: string,
  tokenUri: string,
): FcmAuthError {
  const parsed = OAuthErrorAnswer.safeParse(safeJson(text));
  const oauthError = parsed.success ? parsed.data.error : null;
  const said = parsed.success
    ? `${parsed.data.error}${parsed.data.error_description ? `: ${parsed.data.error_description}` : ''}`
    : `HTTP ${statusCode}`;
  const transient = statusCode >= 500 || statusCode === 429;
  const advice = transient
    ? 'Google is having trouble; sends are retried later.'
    : oauthError === 'invalid_client'
      ? `Check that the service account ${clientEmail} still exists and is enabled.`
      : `Check that private_key belongs to ${clientEmail} and that key has not been deleted ` +
        '(make a new JSON key if in doubt), and that this host’s clock is right (the assertion ' +
        'is only valid for an hour from now).';
  return new FcmAuthError(
    `Google's token endpoint ${tokenUri} refused the service account ${clientEmail} (${said}). ${advice}`,
    statusCode,
    oauthError,
    transient,
  );
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    // Handlers first: the shared promise must never reject unobserved.
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
