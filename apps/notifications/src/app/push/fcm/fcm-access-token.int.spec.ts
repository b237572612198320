import { FakeGoogleOAuth, type FakeServiceAccount, waitFor } from '@switchyard/testing';
import { FcmAccessTokens, FcmAuthError } from './fcm-access-token';
import { parseServiceAccount } from './service-account';

describe('FCM access tokens from a service account', () => {
  const oauth = new FakeGoogleOAuth();
  let account: FakeServiceAccount;
  const opened: FcmAccessTokens[] = [];

  const tokensFor = (keyFile: string): FcmAccessTokens => {
    const tokens = new FcmAccessTokens({
      serviceAccount: parseServiceAccount(keyFile),
      requestTimeoutMs: 5_000,
    });
    opened.push(tokens);
    return tokens;
  };

  beforeAll(async () => {
    await oauth.start();
    account = oauth.createServiceAccount('switchyard-test');
  });

  beforeEach(() => {
    oauth.expiresInSeconds = 3599;
  });

  afterAll(async () => {
    await Promise.all(opened.map((t) => t.close()));
    await oauth.stop();
  });

  it('gets an access token Google grants for a signed assertion of the service account', async () => {
    // Given the service account's key file
    const tokens = tokensFor(account.keyFile);
    const grantsBefore = oauth.grants;

    // When a token is asked for
    const token = await tokens.get();

    // Then the token endpoint verified the assertion and granted a token FCM would accept
    expect(oauth.grants).toBe(grantsBefore + 1);
    expect(oauth.checkAccessToken(token)).toMatchObject({
      valid: true,
      token: { clientEmail: account.clientEmail, projectId: 'switchyard-test' },
    });
  });

  it('keeps a token until shortly before it expires: one grant for many callers', async () => {
    // Given a token already fetched
    const tokens = tokensFor(account.keyFile);
    const first = await tokens.get();
    const grantsBefore = oauth.grants;

    // When it is asked for again and again
    const again = await Promise.all(Array.from({ length: 20 }, () => tokens.get()));

    // Then it is the same token, and no new grant was asked for
    expect(new Set(again)).toEqual(new Set([first]));
    expect(oauth.grants).toBe(grantsBefore);
  });

  it('fetches a new token once, before the old one expires', async () => {
    // Given tokens that live 3 s (refreshed 10% early, at 2.7 s)
    oauth.expiresInSeconds = 3;
    const tokens = tokensFor(account.keyFile);
    const first = await tokens.get();
    const grantsBefore = oauth.grants;

    // When callers keep asking until a new token comes
    const second = await waitFor(
      'a new access token',
      async () => {
        const token = await tokens.get();
        return token !== first && token;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );

    // Then the new token came from one grant, while the old one was still valid
    expect(oauth.checkAccessToken(first).valid).toBe(true);
    expect(oauth.grants).toBe(grantsBefore + 1);
    expect(await tokens.get()).toBe(second);
  });

  it('keeps using a token that still holds when its early refresh fails, then refreshes', async () => {
    // Given a 3 s token, and the token endpoint down for its early refresh
    oauth.expiresInSeconds = 3;
    const tokens = tokensFor(account.keyFile);
    const first = await tokens.get();
    const requestsBefore = oauth.tokenRequests;
    oauth.failNext(1);

    // When a caller asks after the refresh was due (at 2.7 s), and again
    await waitFor(
      'the failed early refresh',
      async () => {
        expect(await tokens.get()).toBe(first);
        return oauth.tokenRequests > requestsBefore;
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const second = await tokens.get();

    // Then the old token served the first caller, and the next one got a new token
    expect(second).not.toBe(first);
    expect(oauth.tokenRequests).toBe(requestsBefore + 2);
  });

  it('fails with a transient error when the endpoint is down and no token holds', async () => {
    // Given no token yet, and the token endpoint down
    const tokens = tokensFor(account.keyFile);
    oauth.failNext(1);

    // When a token is asked for
    const error = await tokens.get().catch((err: unknown) => err);

    // Then the error says Google is having trouble and may work later
    expect(error).toMatchObject({ statusCode: 503, transient: true });
    expect((error as Error).message).toMatch(/internal_failure: Backend Error.*retried later/);
  });

  it('shares one request among callers that ask during a refresh', async () => {
    // Given a token endpoint that holds its answers
    const tokens = tokensFor(account.keyFile);
    const requestsBefore = oauth.tokenRequests;
    oauth.hold();

    // When ten callers ask for a token while the first request is held
    const asked = Promise.all(Array.from({ length: 10 }, () => tokens.get()));
    await waitFor('the token request to arrive', () => oauth.waiting === 1, { timeoutMs: 5_000 });
    oauth.release();
    const got = await asked;

    // Then they all got the same token, from one request
    expect(new Set(got).size).toBe(1);
    expect(oauth.tokenRequests).toBe(requestsBefore + 1);
  });

  it('fetches a new token once after FCM refused the current one, and ignores stale refusals', async () => {
    // Given a token in use
    const tokens = tokensFor(account.keyFile);
    const refused = await tokens.get();
    const grantsBefore = oauth.grants;

    // When several sends report FCM refused it, each invalidating it before asking again
    tokens.invalidate(refused);
    const fresh = await tokens.get();
    tokens.invalidate(refused);
    tokens.invalidate(refused);

    // Then one new token was fetched, and the stale invalidations did not drop it
    expect(fresh).not.toBe(refused);
    expect(await tokens.get()).toBe(fresh);
    expect(oauth.grants).toBe(grantsBefore + 1);
  });

  it('says to check the private key when Google refuses the assertion', async () => {
    // Given a key file whose private key is not the account's (deleted or rotated)
    const tokens = tokensFor(oauth.keyFileWithForeignKey(account));

    // When a token is asked for
    const error = await tokens.get().catch((err: unknown) => err);

    // Then a typed error says what Google said and what to check, and is not transient
    expect(error).toBeInstanceOf(FcmAuthError);
    expect(error).toMatchObject({ statusCode: 400, oauthError: 'invalid_grant', transient: false });
    expect((error as FcmAuthError).message).toContain('Invalid JWT Signature.');
    expect((error as FcmAuthError).message).toContain(
      `private_key belongs to ${account.clientEmail}`,
    );
  });

  it('says the token endpoint could not be reached, as a transient error', async () => {
    // Given a key file whose token_uri points at a port nobody listens on
    const file = JSON.parse(account.keyFile) as Record<string, unknown>;
    file.token_uri = 'http://127.0.0.1:1/token';
    const tokens = tokensFor(JSON.stringify(file));

    // When a token is asked for
    const error = await tokens.get().catch((err: unknown) => err);

    // Then the error names the endpoint and what to check, and may work later
    expect(error).toBeInstanceOf(FcmAuthError);
    expect(error).toMatchObject({ statusCode: null, transient: true });
    expect((error as FcmAuthError).message).toMatch(
      /Could not reach .*127\.0\.0\.1:1\/token.*token_uri/,
    );
  });

  it('stops waiting for a token when the caller gives up, without failing the shared request', async () => {
    // Given a token request held at the endpoint, with two callers waiting
    const tokens = tokensFor(account.keyFile);
    oauth.hold();
    const patient = tokens.get();
    const impatient = new AbortController();
    const leaving = tokens.get(impatient.signal).catch((err: unknown) => err);
    await waitFor('the token request to arrive', () => oauth.waiting === 1, { timeoutMs: 5_000 });

    // When one caller aborts
    impatient.abort(new Error('shutting down'));

    // Then it stops waiting, and the other still gets its token
    expect(await leaving).toEqual(new Error('shutting down'));
    oauth.release();
    expect(oauth.checkAccessToken(await patient).valid).toBe(true);
  });
});
