import { getEventListeners } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { AllowedNetworks } from './url-safety/address-policy';
import { WebhookSender } from './webhook-sender';

const TIMEOUT_MS = 600;

describe('WebhookSender deadlines', () => {
  let server: Server;
  let url: string;
  /** Answers still open, ended after each test so the server can close. */
  const open = new Set<ServerResponse>();
  const sender = new WebhookSender({
    policy: {
      allowedNetworks: new AllowedNetworks(['127.0.0.0/8']),
      requireHttps: false,
      resolver: async () => [],
    },
    timeoutMs: TIMEOUT_MS,
    connectTimeoutMs: 1000,
  });

  beforeAll(async () => {
    server = createServer((_req, res) => {
      open.add(res);
      // Headers at once, then a byte every 100 ms: never idle long enough for a body timeout,
      // never done within the request's time.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => res.write('.'), 100);
      res.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterEach(() => {
    for (const res of open) res.destroy();
    open.clear();
  });

  afterAll(async () => {
    await sender.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const webhook = () => ({
    url,
    messageId: 'msg_deadline',
    secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    body: '{}',
  });

  it('gives up on an answer that trickles in past the timeout, as a timeout', async () => {
    // Given an endpoint that keeps sending a byte at a time
    // When a webhook is sent to it
    const started = performance.now();
    const answer = await sender.send(webhook());

    // Then the attempt ends at the deadline, recorded as a timeout
    expect(answer.errorCode).toBe('TimeoutError');
    expect(answer.interrupted).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
  });

  it('stops a request at once when the service shuts down, and says it was interrupted', async () => {
    // Given a request in flight to the same endpoint
    const shutdown = new AbortController();
    const sending = sender.send(webhook(), shutdown.signal);

    // When the service shuts down before the deadline
    setTimeout(() => shutdown.abort(), 100);
    const answer = await sending;

    // Then the answer says interrupted, not a timeout
    expect(answer.interrupted).toBe(true);
    expect(answer.errorCode).toBe('INTERRUPTED');
  });

  it('leaves no listener on the shutdown signal once a request is done', async () => {
    // Given a shutdown signal shared by many requests
    const shutdown = new AbortController();
    const sending = [1, 2, 3].map(() => sender.send(webhook(), shutdown.signal));
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(3);

    // When they end, by timeout
    await Promise.all(sending);

    // Then none of them still listens to it
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });
});

describe("WebhookSender's record of the request", () => {
  let server: Server;
  let url: string;
  let received: Record<string, string | string[] | undefined> = {};
  const sender = new WebhookSender({
    policy: {
      allowedNetworks: new AllowedNetworks(['127.0.0.0/8']),
      requireHttps: false,
      resolver: async () => [],
    },
    timeoutMs: 2000,
    connectTimeoutMs: 1000,
  });

  beforeAll(async () => {
    server = createServer((req, res) => {
      received = req.headers;
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });

  afterAll(async () => {
    await sender.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('keeps the headers it sent, with the credentials among the endpoint’s own redacted', async () => {
    // Given an endpoint whose custom headers carry its receiver's credentials
    const headers = { Authorization: 'Bearer s3cret', 'X-Api-Key': 'k-123', 'X-Team': 'blue' };

    // When a webhook is sent to it
    const response = await sender.send({
      url,
      messageId: 'msg_1',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      body: '{"type":"order.paid"}',
      headers,
    });

    // Then the receiver got every header as configured, and the record hides the credentials
    expect(response.statusCode).toBe(204);
    expect(received['authorization']).toBe('Bearer s3cret');
    expect(response.requestHeaders).toEqual({
      Authorization: '[redacted]',
      'X-Api-Key': '[redacted]',
      'X-Team': 'blue',
      'webhook-id': 'msg_1',
      'webhook-timestamp': received['webhook-timestamp'],
      'webhook-signature': received['webhook-signature'],
      'content-type': 'application/json',
      'user-agent': received['user-agent'],
    });
  });

  it('sends to the path and query of the endpoint’s URL', async () => {
    let path: string | undefined;
    server.once('request', (req: { url?: string }) => (path = req.url));

    const response = await sender.send({
      url: `${url}?token=abc&x=1`,
      messageId: 'msg_3',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      body: '{}',
    });

    expect(response.statusCode).toBe(204);
    expect(path).toBe('/hook?token=abc&x=1');
  });

  it('refuses an unsafe URL at every attempt, not only the first', async () => {
    const attempt = () =>
      sender.send({
        url: 'http://10.0.0.1/hook',
        messageId: 'msg_4',
        secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
        body: '{}',
      });

    const [first, second] = [await attempt(), await attempt()];

    expect(first.errorCode).toBe('ERR_UNSAFE_DESTINATION');
    expect(second.errorCode).toBe('ERR_UNSAFE_DESTINATION');
  });

  it('keeps no headers for a request it never sent', async () => {
    const response = await sender.send({
      url: 'http://10.0.0.1/hook',
      messageId: 'msg_2',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      body: '{}',
    });

    expect(response.error).toBeDefined();
    expect(response.requestHeaders).toBeUndefined();
  });
});
