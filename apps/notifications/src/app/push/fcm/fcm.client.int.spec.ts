import { randomUUID } from 'node:crypto';
import {
  FakeFcm,
  type FakeServiceAccount,
  type FcmScriptedError,
  FakeGoogleOAuth,
  waitFor,
} from '@switchyard/testing';
import { type PushDevice, type PushMessage } from '../push-message';
import { type PushOutcome } from '../push-outcome';
import { FcmClient } from './fcm.client';
import { parseServiceAccount } from './service-account';

const PROJECT = 'switchyard-test';

const device = (token = `fcm-${randomUUID()}`, app = PROJECT): PushDevice => ({
  platform: 'fcm',
  token,
  app,
  environment: null,
});

const message = (overrides: Partial<PushMessage> = {}): PushMessage => ({
  pushId: randomUUID(),
  title: 'Payment received',
  body: '€12.00 from Ada',
  data: { order_id: 'o-1' },
  collapseKey: null,
  threadId: null,
  priority: 'high',
  expiresAt: null,
  ...overrides,
});

describe('FcmClient against fake Google OAuth and FCM', () => {
  const oauth = new FakeGoogleOAuth();
  let fcm: FakeFcm;
  let account: FakeServiceAccount;
  let fcmUrl: string;
  const opened: FcmClient[] = [];

  const clientFor = (keyFile = account.keyFile): FcmClient => {
    const client = new FcmClient({
      serviceAccount: parseServiceAccount(keyFile),
      baseUrl: fcmUrl,
      requestTimeoutMs: 5_000,
    });
    opened.push(client);
    return client;
  };

  /** What the fake answered to each request for this registration token, in order. */
  const statusesFor = (token: string) =>
    fcm.requests.filter((r) => r.token === token).map((r) => r.status);

  beforeAll(async () => {
    await oauth.start();
    account = oauth.createServiceAccount(PROJECT);
    fcm = new FakeFcm({ oauth, projects: [PROJECT] });
    fcmUrl = await fcm.start();
  });

  beforeEach(() => {
    oauth.expiresInSeconds = 3599;
  });

  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await fcm.stop();
    await oauth.stop();
  });

  it('sends one message per token in FCM v1 shape, with a bearer token Google issued', async () => {
    // Given a message with every option set
    const client = clientFor();
    const target = device();
    const expiresAt = new Date(Date.now() + 3_600_000);
    const sent = message({
      collapseKey: 'order-o-1',
      threadId: 'orders',
      priority: 'normal',
      expiresAt,
    });

    // When it is sent
    const outcome = await client.send(target, sent);

    // Then FCM accepted it, and the outcome carries FCM's message name
    const [received] = fcm.receivedBy(target.token);
    expect(outcome).toEqual({ kind: 'sent', statusCode: 200, providerId: received.name });
    expect(received.project).toBe(PROJECT);
    expect(oauth.checkAccessToken(received.accessToken).valid).toBe(true);
    // And the message has the platform options the neutral message asked for
    const ttl = Number(
      /^(\d+)s$/.exec(String((received.message.android as { ttl: string }).ttl))?.[1],
    );
    expect(ttl).toBeGreaterThan(3590);
    expect(ttl).toBeLessThanOrEqual(3600);
    expect(received.message).toEqual({
      token: target.token,
      notification: { title: 'Payment received', body: '€12.00 from Ada' },
      data: { order_id: 'o-1', push_id: sent.pushId },
      android: {
        priority: 'NORMAL',
        ttl: `${ttl}s`,
        collapse_key: 'order-o-1',
        notification: { tag: 'orders' },
      },
      apns: {
        headers: {
          'apns-priority': '5',
          'apns-collapse-id': 'order-o-1',
          'apns-expiration': String(Math.floor(expiresAt.getTime() / 1000)),
        },
        payload: { aps: { 'thread-id': 'orders' } },
      },
      webpush: { headers: { Urgency: 'normal', TTL: String(ttl) } },
    });
  });

  it('sends a plain high-priority message with only the options it has', async () => {
    // Given a message with no collapse key, thread or expiry
    const client = clientFor();
    const target = device();

    // When it is sent
    await client.send(target, message());

    // Then no empty or defaulted option is sent
    const [received] = fcm.receivedBy(target.token);
    expect(received.message).toMatchObject({
      android: { priority: 'HIGH' },
      apns: { headers: { 'apns-priority': '10' } },
      webpush: { headers: { Urgency: 'high' } },
    });
    expect(received.message.android).toEqual({ priority: 'HIGH' });
    expect(received.message.apns).toEqual({ headers: { 'apns-priority': '10' } });
  });

  it('uses one access token for many sends', async () => {
    // Given a client
    const client = clientFor();
    const grantsBefore = oauth.grants;

    // When it sends ten messages
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => client.send(device(), message())),
    );

    // Then all were sent with one grant
    expect(outcomes.every((o) => o.kind === 'sent')).toBe(true);
    expect(oauth.grants).toBe(grantsBefore + 1);
  });

  it('refreshes the access token once before it expires, so no send is refused for it', async () => {
    // Given access tokens that live 3 s
    oauth.expiresInSeconds = 3;
    const client = clientFor();
    const target = device();
    await client.send(target, message());
    const grantsBefore = oauth.grants;

    // When it keeps sending until a new token is fetched
    await waitFor(
      'a second access token',
      async () => {
        expect((await client.send(target, message())).kind).toBe('sent');
        return oauth.grants > grantsBefore;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );

    // Then one grant renewed it, and FCM never refused a token as expired
    expect(oauth.grants).toBe(grantsBefore + 1);
    expect(statusesFor(target.token).every((s) => s === 200)).toBe(true);
    expect(new Set(fcm.receivedBy(target.token).map((r) => r.accessToken)).size).toBe(2);
  });

  it('shares one grant among sends made while the token is being fetched', async () => {
    // Given a token endpoint that holds its answers
    const client = clientFor();
    const grantsBefore = oauth.grants;
    oauth.hold();

    // When eight sends start while the first token request is held
    const sending = Promise.all(Array.from({ length: 8 }, () => client.send(device(), message())));
    await waitFor('the token request to arrive', () => oauth.waiting === 1, { timeoutMs: 5_000 });
    oauth.release();
    const outcomes = await sending;

    // Then all were sent, on one grant
    expect(outcomes.map((o) => o.kind)).toEqual(Array(8).fill('sent'));
    expect(oauth.grants).toBe(grantsBefore + 1);
  });

  it('after FCM refuses a revoked token, fetches one new token and sends again', async () => {
    // Given a client whose token has been revoked at Google
    const client = clientFor();
    const target = device();
    await client.send(target, message());
    const [{ accessToken: revoked }] = fcm.receivedBy(target.token);
    oauth.revoke(revoked);
    const grantsBefore = oauth.grants;

    // When it sends again
    const outcome = await client.send(target, message());

    // Then FCM's 401 led to one new grant and a resend that succeeded
    expect(outcome.kind).toBe('sent');
    expect(statusesFor(target.token)).toEqual([200, 401, 200]);
    expect(oauth.grants).toBe(grantsBefore + 1);
    expect(fcm.receivedBy(target.token)[1].accessToken).not.toBe(revoked);
  });

  it('alerts when FCM refuses a freshly issued token too, after one refresh only', async () => {
    // Given FCM refuses the bearer token twice running for this token's sends
    const client = clientFor();
    await client.send(device(), message());
    const target = device();
    fcm.script(target.token, 'UNAUTHENTICATED', 'UNAUTHENTICATED');
    const grantsBefore = oauth.grants;

    // When a message is sent
    const outcome = await client.send(target, message());

    // Then one refresh and one resend, then a failure that says what to check
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: 401, alert: true });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/Firebase Cloud Messaging API/);
    expect(statusesFor(target.token)).toEqual([401, 401]);
    expect(oauth.grants).toBe(grantsBefore + 1);
  });

  it.each<[FcmScriptedError, string | undefined, Partial<PushOutcome>]>([
    ['UNREGISTERED', undefined, { kind: 'remove_device', statusCode: 404, reason: 'UNREGISTERED' }],
    ['INVALID_TOKEN', undefined, { kind: 'remove_device', statusCode: 400 }],
    [
      'QUOTA_EXCEEDED',
      '90',
      { kind: 'retry', statusCode: 429, retryAfterMs: 90_000, minDelayMs: 60_000 },
    ],
    ['UNAVAILABLE', '5', { kind: 'retry', statusCode: 503, retryAfterMs: 5_000, minDelayMs: 0 }],
    ['INTERNAL', undefined, { kind: 'retry', statusCode: 500, retryAfterMs: null }],
    ['SENDER_ID_MISMATCH', undefined, { kind: 'failed', statusCode: 403, alert: true }],
    ['THIRD_PARTY_AUTH_ERROR', undefined, { kind: 'failed', statusCode: 401, alert: true }],
  ])('FCM %s becomes the outcome the delivery acts on', async (error, retryAfter, expected) => {
    // Given FCM answers this token with the error
    const client = clientFor();
    const target = device();
    fcm.script(target.token, { error, retryAfter });

    // When a message is sent to it
    const outcome = await client.send(target, message());

    // Then the outcome is classified on the FcmError, and nothing was sent a second time
    expect(outcome).toMatchObject(expected);
    expect(statusesFor(target.token)).toHaveLength(1);
    expect(fcm.requests.filter((r) => r.token === target.token)[0].errorCode).toBe(
      error === 'INVALID_TOKEN' ? 'INVALID_ARGUMENT' : error,
    );
  });

  it('sees SENDER_ID_MISMATCH for a token of another project', async () => {
    // Given a token registered by an app of another Firebase project
    const client = clientFor();
    const target = device();
    fcm.registerToken(target.token, 'someone-elses-project');

    // When a message is sent to it through ours
    const outcome = await client.send(target, message());

    // Then it fails and alerts
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: 403, alert: true });
    expect(outcome.kind === 'failed' && outcome.reason).toContain('SENDER_ID_MISMATCH');
  });

  it('alerts, without removing the device, when the project is not ours', async () => {
    // Given a device of a project the service account cannot send for
    const client = clientFor();

    // When a message is sent
    const outcome = await client.send(device(undefined, 'not-our-project'), message());

    // Then it fails with FCM's PERMISSION_DENIED, and an operator is alerted
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: 403, alert: true });
  });

  it('refuses a data value that is not a string before sending anything', async () => {
    // Given a message whose data holds a number (as partners' JSON may)
    const client = clientFor();
    const refused = device();
    const data = { count: 3 } as unknown as Record<string, string>;

    // When it is sent, then a marker message after it
    const outcome = await client.send(refused, message({ data }));
    const marker = device();
    await client.send(marker, message());

    // Then it failed naming the field and the fix, and FCM only ever saw the marker
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: null, alert: false });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/data\.count is a number.*strings/);
    await waitFor('the marker at FCM', () => fcm.receivedBy(marker.token).length === 1);
    expect(statusesFor(refused.token)).toEqual([]);
  });

  it('refuses a message over FCM’s 4096-byte payload before sending anything', async () => {
    // Given a message whose body is 5,000 bytes
    const client = clientFor();
    const refused = device();

    // When it is sent, then a marker message after it
    const outcome = await client.send(refused, message({ body: 'x'.repeat(5_000) }));
    const marker = device();
    await client.send(marker, message());

    // Then it failed saying how big it was and what to do, and FCM only ever saw the marker
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: null, alert: false });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/over FCM's 4096-byte payload/);
    await waitFor('the marker at FCM', () => fcm.receivedBy(marker.token).length === 1);
    expect(statusesFor(refused.token)).toEqual([]);
  });

  it('fails with an alert saying to check the key when Google refuses the service account', async () => {
    // Given a client whose key file holds a private key that is not the account's
    const client = clientFor(oauth.keyFileWithForeignKey(account));
    const target = device();

    // When it sends
    const outcome = await client.send(target, message());

    // Then the outcome alerts with Google's reason and what to check; FCM was never asked
    expect(outcome).toMatchObject({ kind: 'failed', statusCode: 400, alert: true });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(
      /invalid_grant: Invalid JWT Signature\..*private_key belongs to/,
    );
    expect(statusesFor(target.token)).toEqual([]);
  });

  it('stops a send when the caller aborts, and says it may be sent again', async () => {
    // Given a token endpoint that holds its answers, and a send waiting for a token
    const client = clientFor();
    oauth.hold();
    const shutdown = new AbortController();
    const sending = client.send(device(), message(), shutdown.signal);
    await waitFor('the token request to arrive', () => oauth.waiting > 0, { timeoutMs: 5_000 });

    // When the caller aborts
    shutdown.abort();

    // Then the send ends at once as a retry
    expect(await sending).toMatchObject({
      kind: 'retry',
      reason: expect.stringMatching(/interrupted/),
    });
    oauth.release();
  });
});
