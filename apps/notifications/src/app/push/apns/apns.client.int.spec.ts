import {
  FakeApnsServer,
  makeTestCertificates,
  type TestCertificates,
  waitFor,
} from '@switchyard/testing';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { type PushDevice, type PushMessage } from '../push-message';
import { ApnsClient, type ApnsClientOptions } from './apns.client';

const KEY_ID = 'ABC123DEFG';
const TEAM_ID = 'TEAM123456';
const TOPIC = 'com.example.switchyard';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function deviceToken(): string {
  return randomBytes(32).toString('hex');
}

function device(
  token: string = deviceToken(),
  environment: 'production' | 'sandbox' = 'production',
): PushDevice {
  return { platform: 'apns', token, app: TOPIC, environment };
}

function message(overrides: Partial<PushMessage> = {}): PushMessage {
  return {
    pushId: randomUUID(),
    title: 'Order shipped',
    body: 'Your order is on its way',
    data: { orderId: 'ord_1' },
    collapseKey: null,
    threadId: null,
    priority: 'high',
    expiresAt: null,
    ...overrides,
  };
}

describe('ApnsClient against a fake APNs speaking HTTP/2, TLS and token auth', () => {
  let certificates: TestCertificates;
  let fake: FakeApnsServer;
  let client: ApnsClient;

  const startFake = async (clock?: () => number): Promise<FakeApnsServer> =>
    FakeApnsServer.start({
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      keyId: KEY_ID,
      teamId: TEAM_ID,
      topics: [TOPIC],
      certificates,
      clock,
    });

  const clientFor = (server: FakeApnsServer, overrides: Partial<ApnsClientOptions> = {}) =>
    new ApnsClient({
      keyPem,
      keyId: KEY_ID,
      teamId: TEAM_ID,
      // One fake answers both names: the :authority tells which host the client meant.
      hosts: { production: 'localhost', sandbox: '127.0.0.1' },
      port: server.port,
      ca: server.caPem,
      requestTimeoutMs: 10_000,
      pingIntervalMs: 60_000,
      ...overrides,
    });

  beforeAll(async () => {
    certificates = await makeTestCertificates();
  });

  beforeEach(async () => {
    fake = await startFake();
    client = clientFor(fake);
  });

  afterEach(async () => {
    await client.close();
    await fake.stop();
  });

  it('sends a notification APNs accepts, with every header and the payload as Apple reads them', async () => {
    // Given a normal-priority message with a collapse key, a thread and an expiry
    const target = device();
    const expiresAt = new Date('2030-01-02T03:04:05Z');
    const sent = message({
      collapseKey: 'order-ord_1',
      threadId: 'orders',
      priority: 'normal',
      expiresAt,
      data: { orderId: 'ord_1', kind: 'shipped' },
    });

    // When it is sent
    const outcome = await client.send(target, sent);

    // Then APNs accepted it under the push id, and received exactly what the message says
    expect(outcome).toEqual({ kind: 'sent', statusCode: 200, providerId: sent.pushId });
    const [received] = fake.delivered(target.token);
    expect(received.authority).toBe(`localhost:${fake.port}`);
    expect(received.headers).toMatchObject({
      ':method': 'POST',
      ':path': `/3/device/${target.token}`,
      'apns-topic': TOPIC,
      'apns-push-type': 'alert',
      'apns-priority': '5',
      'apns-expiration': String(expiresAt.getTime() / 1000),
      'apns-collapse-id': 'order-ord_1',
      'apns-id': sent.pushId,
    });
    expect(received.payload).toEqual({
      aps: {
        alert: { title: 'Order shipped', body: 'Your order is on its way' },
        'thread-id': 'orders',
        sound: 'default',
      },
      orderId: 'ord_1',
      kind: 'shipped',
    });
  });

  it('sends high priority as 10, and leaves expiry and collapse to APNs when the message has none', async () => {
    // Given a high-priority message without expiry, collapse key or thread
    const target = device();

    // When it is sent
    await client.send(target, message());

    // Then the optional headers and the thread id are absent
    const [received] = fake.delivered(target.token);
    expect(received.headers['apns-priority']).toBe('10');
    expect(received.headers).not.toHaveProperty('apns-expiration');
    expect(received.headers).not.toHaveProperty('apns-collapse-id');
    expect(received.payload?.['aps']).not.toHaveProperty('thread-id');
  });

  it('removes a device APNs calls unregistered, dated when APNs last knew the token', async () => {
    // Given APNs answers 410 Unregistered with the time the token stopped being valid
    const target = device();
    const timestamp = Date.UTC(2026, 10, 1, 8, 30);
    fake.script(target.token, { status: 410, reason: 'Unregistered', timestamp });

    // When a notification is sent to it
    const outcome = await client.send(target, message());

    // Then the device is to be removed if registered before that time
    expect(outcome).toEqual({
      kind: 'remove_device',
      statusCode: 410,
      reason: 'Unregistered',
      unregisteredAt: new Date(timestamp),
    });
  });

  it('removes a device whose token APNs calls bad', async () => {
    // Given a token APNs itself refuses (not 64 hex characters)
    const target = device('not-a-device-token');

    // When a notification is sent to it
    const outcome = await client.send(target, message());

    // Then the device is to be removed now
    expect(outcome).toEqual({
      kind: 'remove_device',
      statusCode: 400,
      reason: 'BadDeviceToken',
      unregisteredAt: null,
    });
  });

  it('retries after the delay a 429 gives', async () => {
    // Given APNs throttles the device with a retry-after of 2 seconds
    const target = device();
    fake.script(target.token, { status: 429, reason: 'TooManyRequests', retryAfter: '2' });

    // When a notification is sent to it
    const outcome = await client.send(target, message());

    // Then the send is to be retried no sooner than asked
    expect(outcome).toEqual({
      kind: 'retry',
      statusCode: 429,
      reason: 'TooManyRequests',
      retryAfterMs: 2000,
      minDelayMs: 0,
    });
  });

  it.each([
    [500, 'InternalServerError'],
    [503, 'ServiceUnavailable'],
  ])('retries when APNs answers %i', async (status, reason) => {
    // Given APNs fails on the server's side
    const target = device();
    fake.script(target.token, { status });

    // When a notification is sent
    const outcome = await client.send(target, message());

    // Then it is to be retried on the usual schedule
    expect(outcome).toEqual({
      kind: 'retry',
      statusCode: status,
      reason,
      retryAfterMs: null,
      minDelayMs: 0,
    });
  });

  it('renews the provider token once when APNs calls it expired, and the resend succeeds', async () => {
    // Given APNs refuses the first token as expired
    const target = device();
    fake.script(target.token, { status: 403, reason: 'ExpiredProviderToken' });

    // When a notification is sent
    const outcome = await client.send(target, message());

    // Then it was sent again with a new token, which APNs accepted
    expect(outcome).toMatchObject({ kind: 'sent', statusCode: 200 });
    const attempts = fake.received.filter((n) => n.token === target.token);
    expect(attempts.map((n) => n.status)).toEqual([403, 200]);
    expect(new Set(attempts.map((n) => n.jwt)).size).toBe(2);
  });

  it('fails with an alert when a renewed token is refused as expired too', async () => {
    // Given APNs' clock runs 61 minutes ahead of ours, so every token we issue looks expired
    await fake.stop();
    await client.close();
    fake = await startFake(() => Date.now() + 61 * 60_000);
    client = clientFor(fake);
    const target = device();

    // When a notification is sent
    const outcome = await client.send(target, message());

    // Then one renewal was tried, and an operator is told
    expect(outcome).toEqual({
      kind: 'failed',
      statusCode: 403,
      reason: 'ExpiredProviderToken',
      alert: true,
    });
    expect(fake.received.map((n) => n.reason)).toEqual([
      'ExpiredProviderToken',
      'ExpiredProviderToken',
    ]);
  });

  it('sends again on a new session a notification APNs sent GOAWAY over, and it arrives once', async () => {
    // Given APNs goes away while the notification's stream is open, without answering it
    const target = device();
    fake.script(target.token, { goaway: true });

    // When a notification is sent
    const outcome = await client.send(target, message());

    // Then it went again on a second session and APNs accepted it exactly once
    expect(outcome).toMatchObject({ kind: 'sent', statusCode: 200 });
    expect(fake.delivered(target.token)).toHaveLength(1);
    expect(fake.delivered(target.token)[0].session).toBe(2);
    expect(fake.sessionsOpened).toBe(2);
  });

  it('gives up with a retry when the resend is lost too', async () => {
    // Given APNs goes away twice over the same notification
    const target = device();
    fake.script(target.token, { goaway: true }, { goaway: true });

    // When a notification is sent
    const outcome = await client.send(target, message());

    // Then the delivery is to retry it later, and APNs never accepted it
    expect(outcome).toMatchObject({ kind: 'retry', statusCode: null });
    expect(outcome).toHaveProperty('reason', expect.stringMatching(/lost twice/));
    expect(fake.delivered(target.token)).toHaveLength(0);
  });

  it('does not send again at once a notification the connection lost after APNs received it: it answers retry', async () => {
    // Given APNs takes the notification, then the connection dies before it answers
    const target = device();
    fake.script(target.token, { dropAfterReceiving: true });

    // When a notification is sent, then a marker notification to another device
    const outcome = await client.send(target, message());
    const marker = device();
    const markerOutcome = await client.send(marker, message());

    // Then the delivery is to retry it on its schedule, saying APNs may have delivered it, and
    // APNs received it exactly once (the marker arrived after, on a new session)
    expect(outcome).toEqual({
      kind: 'retry',
      statusCode: null,
      reason: expect.stringMatching(
        /lost after the notification was sent .*APNs may have delivered it/,
      ),
      retryAfterMs: null,
      minDelayMs: 0,
    });
    expect(markerOutcome).toMatchObject({ kind: 'sent' });
    await waitFor('the marker notification', () => fake.delivered(marker.token).length === 1, {
      timeoutMs: 5_000,
    });
    expect(fake.received.filter((n) => n.token === target.token)).toHaveLength(1);
    expect(fake.delivered(marker.token)[0].session).toBe(2);
  });

  it('opens a new session after the connection dropped, and the next send succeeds', async () => {
    // Given one send went through and then the connection was cut without a GOAWAY
    await client.send(device(), message());
    fake.dropConnections();

    // When another notification is sent
    const target = device();
    const outcome = await client.send(target, message());

    // Then it went on a new session
    expect(outcome).toMatchObject({ kind: 'sent' });
    expect(fake.delivered(target.token)[0].session).toBe(2);
  });

  it('sends sandbox devices to the sandbox host and production devices to production', async () => {
    // Given one device of each environment
    const production = device(deviceToken(), 'production');
    const sandbox = device(deviceToken(), 'sandbox');

    // When each gets a notification
    await client.send(production, message());
    await client.send(sandbox, message());

    // Then each went to its own host, on its own session
    expect(fake.delivered(production.token)[0].authority).toBe(`localhost:${fake.port}`);
    expect(fake.delivered(sandbox.token)[0].authority).toBe(`127.0.0.1:${fake.port}`);
    expect(fake.sessionsOpened).toBe(2);
  });

  it('refuses a collapse id over 64 bytes and a payload over 4 KB without sending them', async () => {
    // Given a message whose collapse key is 65 bytes and one whose payload is over 4,096 bytes
    const target = device();
    const longCollapse = message({ collapseKey: 'é'.repeat(32) + 'x' });
    const tooLarge = message({ body: 'x'.repeat(4096) });

    // When both are sent, then a marker notification
    const collapseOutcome = await client.send(target, longCollapse);
    const sizeOutcome = await client.send(target, tooLarge);
    const marker = message();
    await client.send(target, marker);

    // Then both were refused saying what to fix, and the marker is all APNs received
    expect(collapseOutcome).toEqual({
      kind: 'failed',
      statusCode: null,
      reason: expect.stringMatching(/65 bytes, over APNs' 64-byte limit/),
      alert: false,
    });
    expect(sizeOutcome).toEqual({
      kind: 'failed',
      statusCode: null,
      reason: expect.stringMatching(/is \d{4} bytes, over the 4096-byte limit/),
      alert: false,
    });
    await waitFor('the marker notification', () => fake.delivered(target.token).length === 1, {
      timeoutMs: 5_000,
    });
    expect(fake.received.map((n) => n.headers['apns-id'])).toEqual([marker.pushId]);
  });

  it('sends many notifications concurrently on one session once APNs accepted the token', async () => {
    // Given APNs holds its answers, so streams stay open until released
    fake.hold();
    const targets = Array.from({ length: 10 }, () => device());

    // When ten notifications are sent at once on a cold client
    const outcomes = Promise.all(targets.map((t) => client.send(t, message())));

    // Then all ten streams are open together on one session (APNs raised its one-stream limit
    // after the first valid token), and all are accepted once APNs answers
    await waitFor('ten streams open at once', () => fake.openStreams === 10, { timeoutMs: 5_000 });
    fake.release();
    expect((await outcomes).map((o) => o.kind)).toEqual(Array(10).fill('sent'));
    expect(fake.sessionsOpened).toBe(1);
    expect(fake.maxConcurrentStreams).toBe(10);

    // And later sends reuse that session
    await client.send(device(), message());
    expect(fake.sessionsOpened).toBe(1);
  });

  it('stops waiting when the send is aborted, and says it was interrupted', async () => {
    // Given APNs holds its answer
    fake.hold();
    const controller = new AbortController();

    // When the send is aborted while its stream is open
    const outcome = client.send(device(), message(), controller.signal);
    await waitFor('the stream to be open', () => fake.openStreams === 1, { timeoutMs: 5_000 });
    controller.abort();

    // Then it ends at once as a retry, not an APNs answer
    expect(await outcome).toMatchObject({
      kind: 'retry',
      statusCode: null,
      reason: expect.stringMatching(/^interrupted/),
    });
  });

  it('keeps the session alive with PINGs', async () => {
    // Given a client that pings every 50 ms
    await client.close();
    client = clientFor(fake, { pingIntervalMs: 50 });

    // When it has a session open
    await client.send(device(), message());

    // Then APNs receives PINGs on it
    await waitFor('two PINGs', () => fake.pingsReceived >= 2, { timeoutMs: 5_000 });
    expect(fake.sessionsOpened).toBe(1);
  });

  it('sends nothing after close', async () => {
    // Given a send still waiting for its first session when the client is closed
    const pending = client.send(device(), message());
    await client.close();

    // When another notification is sent after close
    const afterClose = await client.send(device(), message());

    // Then both end as interrupted retries, no session was opened to resend, and APNs received
    // nothing
    const interrupted = {
      kind: 'retry',
      statusCode: null,
      reason: 'interrupted: the APNs client is closed',
      retryAfterMs: null,
      minDelayMs: 0,
    };
    expect(await pending).toEqual(interrupted);
    expect(afterClose).toEqual(interrupted);
    expect(fake.received).toHaveLength(0);
    expect(fake.sessionsOpened).toBe(0);
  });
});
