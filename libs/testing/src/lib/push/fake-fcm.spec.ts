import { createSign } from 'node:crypto';
import { FakeFcm } from './fake-fcm';
import {
  FakeGoogleOAuth,
  FIREBASE_MESSAGING_SCOPE,
  type FakeServiceAccount,
} from './fake-google-oauth';

const PROJECT = 'fake-spec';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** A service-account assertion, signed with `pem`; `claims` override the right ones. */
function assertion(
  account: FakeServiceAccount,
  aud: string,
  claims: Record<string, unknown> = {},
  pem = account.privateKeyPem,
): string {
  const iat = Math.floor(Date.now() / 1000);
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({
    iss: account.clientEmail,
    scope: FIREBASE_MESSAGING_SCOPE,
    aud,
    iat,
    exp: iat + 3600,
    ...claims,
  })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(pem, 'base64url');
  return `${unsigned}.${signature}`;
}

describe('the fakes of Google OAuth and FCM speak their protocols', () => {
  const oauth = new FakeGoogleOAuth();
  let fcm: FakeFcm;
  let fcmUrl: string;
  let account: FakeServiceAccount;

  const grant = async (jwt: string, grantType = JWT_BEARER) => {
    const response = await fetch(oauth.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: grantType, assertion: jwt }).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const send = async (body: unknown, bearer?: string) => {
    const response = await fetch(`${fcmUrl}/v1/projects/${PROJECT}/messages:send`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer !== undefined && { authorization: `Bearer ${bearer}` }),
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { error?: object } };
  };

  const accessToken = async () =>
    (await grant(assertion(account, oauth.tokenUrl))).body.access_token as string;

  beforeAll(async () => {
    await oauth.start();
    account = oauth.createServiceAccount(PROJECT);
    fcm = new FakeFcm({ oauth, projects: [PROJECT] });
    fcmUrl = await fcm.start();
  });

  afterAll(async () => {
    await fcm.stop();
    await oauth.stop();
  });

  it('grants a Bearer token for a well-formed assertion', async () => {
    // Given a correctly signed assertion; When it is exchanged
    const answer = await grant(assertion(account, oauth.tokenUrl));
    // Then the answer is Google's shape
    expect(answer).toEqual({
      status: 200,
      body: {
        access_token: expect.stringMatching(/^ya29\./),
        expires_in: 3599,
        token_type: 'Bearer',
      },
    });
  });

  it.each<[string, (a: FakeServiceAccount, aud: string) => string, string, string]>([
    [
      'a wrong audience',
      (a) => assertion(a, 'https://oauth2.googleapis.com/token'),
      'invalid_grant',
      'audience',
    ],
    [
      'a lifetime over an hour',
      (a, aud) => assertion(a, aud, { exp: Math.floor(Date.now() / 1000) + 7200 }),
      'invalid_grant',
      'short-lived',
    ],
    [
      'an expired assertion',
      (a, aud) => assertion(a, aud, { iat: 1_000_000, exp: 1_003_600 }),
      'invalid_grant',
      'short-lived',
    ],
    [
      'a missing FCM scope',
      (a, aud) => assertion(a, aud, { scope: 'https://www.googleapis.com/auth/cloud-platform' }),
      'invalid_scope',
      'scope',
    ],
    [
      'an unknown account',
      (a, aud) => assertion(a, aud, { iss: 'nobody@x.iam.gserviceaccount.com' }),
      'invalid_grant',
      'account not found',
    ],
  ])('refuses %s with Google’s error body', async (_case, make, error, says) => {
    // Given an assertion wrong in one respect; When it is exchanged
    const answer = await grant(make(account, oauth.tokenUrl));
    // Then Google's 400 with the OAuth error and its description
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error, error_description: expect.stringContaining(says) });
  });

  it('refuses a grant type other than the JWT bearer', async () => {
    const answer = await grant(assertion(account, oauth.tokenUrl), 'client_credentials');
    expect(answer).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });

  it('answers a missing or revoked bearer with 401 UNAUTHENTICATED and no FcmError', async () => {
    // Given a revoked token
    const token = await accessToken();
    oauth.revoke(token);
    // When FCM is called without a token, and with the revoked one
    const missing = await send({ message: { token: 't' } });
    const revoked = await send({ message: { token: 't' } }, token);
    // Then both are Google's UNAUTHENTICATED status, with an ErrorInfo and no FcmError
    for (const answer of [missing, revoked]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 401, status: 'UNAUTHENTICATED' } });
      expect(JSON.stringify(answer.body)).not.toContain('FcmError');
    }
  });

  it.each<[string, object, string]>([
    ['no target', { notification: { title: 't' } }, 'Recipient of the message is not set.'],
    ['two targets', { token: 't', topic: 'news' }, "Oneof field 'target' is already set"],
    [
      'a number in data',
      { token: 't', data: { a: 'x', n: 3 } },
      "Invalid value at 'message.data[1].value' (TYPE_STRING), 3",
    ],
    ['an unknown field', { token: 't', badge: 1 }, 'Unknown name "badge" at \'message\''],
    [
      'a lower-case priority',
      { token: 't', android: { priority: 'high' } },
      'message.android.priority',
    ],
    ['a ttl without unit', { token: 't', android: { ttl: '3600' } }, 'message.android.ttl'],
    [
      'a payload over 4096 bytes',
      { token: 't', data: { big: 'x'.repeat(4100) } },
      'Message is too big',
    ],
  ])('refuses a message with %s as INVALID_ARGUMENT', async (_case, message, says) => {
    // Given a valid token; When a malformed message is sent
    const answer = await send({ message }, await accessToken());
    // Then FCM's 400 INVALID_ARGUMENT status names the problem
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
    expect(JSON.stringify(answer.body)).toContain(JSON.stringify(says).slice(1, -1));
  });

  it('records an accepted message and answers its name', async () => {
    const token = await accessToken();
    const answer = await send({ message: { token: 'device-1', data: { a: 'b' } } }, token);
    expect(answer).toEqual({
      status: 200,
      body: { name: expect.stringMatching(new RegExp(`^projects/${PROJECT}/messages/`)) },
    });
    expect(fcm.receivedBy('device-1')).toEqual([
      {
        project: PROJECT,
        accessToken: token,
        message: { token: 'device-1', data: { a: 'b' } },
        name: (answer.body as { name: string }).name,
      },
    ]);
  });
});
