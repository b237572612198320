import { createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import {
  constants,
  createSecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { type AddressInfo } from 'node:net';
import {
  type ApnsRefusal,
  checkHeaders,
  checkPayload,
  checkProviderToken,
  deviceTokenOf,
} from './fake-apns-checks';
import { makeTestCertificates, type TestCertificates } from './test-ca';

/** How the fake answers one notification to a device token, once its checks passed. */
export type FakeApnsAnswer =
  | {
      readonly status: number;
      readonly reason?: string;
      /** 410: when the token was last valid, ms since the epoch (the body's `timestamp`). */
      readonly timestamp?: number;
      readonly retryAfter?: string;
    }
  /** Sends GOAWAY below this stream and never answers it: the client must send it again. */
  | { readonly goaway: true }
  /**
   * Takes the notification (it counts as received) then cuts the connection without answering,
   * as when the network fails after APNs got the request: the client cannot know it arrived.
   */
  | { readonly dropAfterReceiving: true };

type StatusAnswer = Extract<FakeApnsAnswer, { readonly status: number }>;

/** One request as the fake received it, valid or not. */
export interface FakeApnsNotification {
  /** The device token from the path. */
  readonly token: string;
  /** The `:authority` the client addressed: which APNs host it meant. */
  readonly authority: string;
  readonly headers: IncomingHttpHeaders;
  /** The JWT of `authorization: bearer <jwt>`, or null. */
  readonly jwt: string | null;
  /** The parsed payload, or null when it was refused. */
  readonly payload: Record<string, unknown> | null;
  /** Which session (1, 2...) carried it. */
  readonly session: number;
  readonly at: number;
  /** What the fake answered; null: it sent GOAWAY, or cut the connection, instead. */
  readonly status: number | null;
  readonly reason: string | null;
}

export interface FakeApnsServerOptions {
  /** The provider key's public half (PEM or KeyObject): the JWT signature is checked against it. */
  readonly publicKey: string | KeyObject;
  readonly keyId: string;
  readonly teamId: string;
  /** The bundle ids the key may push to (`apns-topic`). */
  readonly topics: readonly string[];
  /** Reused across fakes to save key generation; made afresh by default. */
  readonly certificates?: TestCertificates;
  /** Milliseconds since the epoch, for the JWT's age. */
  readonly clock?: () => number;
}

/** Apple allows one stream until a valid provider token was seen; this many after. */
const STREAMS_AFTER_AUTH = 1000;
const BODY_READ_LIMIT_BYTES = 64 * 1024;

interface SessionState {
  readonly id: number;
  readonly session: Http2Session;
  authenticated: boolean;
  goingAway: boolean;
  openStreams: number;
}

/**
 * A strict APNs provider API (HTTP/2 over TLS, token authentication) on 127.0.0.1, trusted
 * through a throwaway CA (`caPem`). It checks the JWT, every `apns-*` header, the device token
 * and the payload as Apple documents them, answering Apple's statuses and reasons; limits a
 * connection to one stream until it presented a valid token; and answers device tokens as a
 * test scripts them (then 200).
 */
export class FakeApnsServer {
  readonly received: FakeApnsNotification[] = [];
  /** The most streams open at once on one session, over the fake's life. */
  maxConcurrentStreams = 0;
  /** PING frames received, over all sessions. */
  pingsReceived = 0;
  private sessionCount = 0;
  private readonly publicKey: KeyObject;
  private readonly topics: ReadonlySet<string>;
  private readonly clock: () => number;
  private readonly scripts = new Map<string, FakeApnsAnswer[]>();
  private readonly sessions = new Map<Http2Session, SessionState>();
  private held: (() => void)[] | null = null;

  private constructor(
    private readonly options: FakeApnsServerOptions,
    private readonly certificates: TestCertificates,
    private readonly server: Http2Server,
  ) {
    this.publicKey =
      typeof options.publicKey === 'string'
        ? createPublicKey(options.publicKey)
        : options.publicKey;
    this.topics = new Set(options.topics);
    this.clock = options.clock ?? Date.now;
  }

  static async start(options: FakeApnsServerOptions): Promise<FakeApnsServer> {
    const certificates = options.certificates ?? (await makeTestCertificates());
    const server = createSecureServer({
      cert: certificates.certPem,
      key: certificates.keyPem,
      settings: { maxConcurrentStreams: 1 },
    });
    const fake = new FakeApnsServer(options, certificates, server);
    server.on('session', (session) => fake.track(session));
    server.on('stream', (stream, headers) => fake.handle(stream, headers));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The CA the client must trust. */
  get caPem(): string {
    return this.certificates.caPem;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** HTTP/2 sessions (connections) clients opened so far. */
  get sessionsOpened(): number {
    return this.sessionCount;
  }

  /** Answers the next notifications to `token` with these answers, in order (then 200). */
  script(token: string, ...answers: FakeApnsAnswer[]): void {
    this.scripts.set(token, [...(this.scripts.get(token) ?? []), ...answers]);
  }

  /** Notifications the fake accepted (200), for `token` if given. */
  delivered(token?: string): FakeApnsNotification[] {
    return this.received.filter(
      (n) => n.status === 200 && (token === undefined || n.token === token),
    );
  }

  /** Keeps every answer back until `release`, so a test can see how many streams are open. */
  hold(): void {
    this.held ??= [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const answer of held) answer();
  }

  /** Streams open now, over all sessions. */
  get openStreams(): number {
    return [...this.sessions.values()].reduce((n, state) => n + state.openStreams, 0);
  }

  /** Cuts every connection without a GOAWAY, as a network failure would. */
  dropConnections(): void {
    for (const session of this.sessions.keys()) session.destroy();
  }

  async stop(): Promise<void> {
    this.release();
    for (const session of this.sessions.keys()) session.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(session: Http2Session): void {
    this.sessionCount += 1;
    this.sessions.set(session, {
      id: this.sessionCount,
      session,
      authenticated: false,
      goingAway: false,
      openStreams: 0,
    });
    session.on('error', () => undefined); // A client cutting the connection is not the fake's fault.
    session.on('ping', () => (this.pingsReceived += 1));
    session.on('close', () => this.sessions.delete(session));
  }

  private handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const state = this.sessions.get(stream.session as Http2Session);
    if (state === undefined || state.goingAway) {
      // Past the GOAWAY's last stream id: never processed, as the client was told.
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    state.openStreams += 1;
    this.maxConcurrentStreams = Math.max(this.maxConcurrentStreams, state.openStreams);
    stream.on('error', () => undefined);
    stream.on('close', () => this.streamClosed(state));
    readBody(stream, (body) => this.answer(stream, headers, body, state));
  }

  private answer(
    stream: ServerHttp2Stream,
    headers: IncomingHttpHeaders,
    body: Buffer,
    state: SessionState,
  ): void {
    const { token, payload, problem } = this.check(headers, body, state);
    const scripted = problem === null ? this.scripts.get(token)?.shift() : undefined;
    const reply = problem ?? scripted ?? { status: 200 };
    const answered = 'status' in reply;
    this.received.push({
      token,
      authority: String(headers[':authority'] ?? ''),
      headers,
      jwt: bearerOf(headers),
      payload,
      session: state.id,
      at: Date.now(),
      status: answered ? reply.status : null,
      reason: answered ? reasonOf(reply) : null,
    });
    if ('goaway' in reply) this.goAway(stream, state);
    else if (!answered) state.session.destroy();
    else
      this.later(() =>
        respond(
          stream,
          typeof headers['apns-id'] === 'string' ? headers['apns-id'] : randomUUID(),
          reply,
        ),
      );
  }

  /** Apple's checks in Apple's order: path, token, headers, then payload. */
  private check(
    headers: IncomingHttpHeaders,
    body: Buffer,
    state: SessionState,
  ): { token: string; payload: Record<string, unknown> | null; problem: ApnsRefusal | null } {
    const path = deviceTokenOf(String(headers[':path'] ?? ''));
    const token = 'token' in path ? path.token : '';
    const refusal = this.refusalOf(headers, token, path, state);
    if (refusal !== null) return { token, payload: null, problem: refusal };
    const parsed = checkPayload(body);
    return 'payload' in parsed
      ? { token, payload: parsed.payload, problem: null }
      : { token, payload: null, problem: parsed };
  }

  private refusalOf(
    headers: IncomingHttpHeaders,
    token: string,
    path: ReturnType<typeof deviceTokenOf>,
    state: SessionState,
  ): ApnsRefusal | null {
    if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
    if ('status' in path) return path;
    const auth = checkProviderToken(headers['authorization'], {
      publicKey: this.publicKey,
      keyId: this.options.keyId,
      teamId: this.options.teamId,
      nowSeconds: Math.floor(this.clock() / 1000),
    });
    if (auth !== null) return auth;
    this.authenticated(state);
    return checkHeaders(headers, token, this.topics);
  }

  private authenticated(state: SessionState): void {
    if (state.authenticated) return;
    state.authenticated = true;
    state.session.settings({ maxConcurrentStreams: STREAMS_AFTER_AUTH });
  }

  /**
   * GOAWAY naming the stream before this one as the last processed, and this stream reset with
   * REFUSED_STREAM: the client learns it was not processed, and may send it again on a new
   * connection. (Node turns a last stream id of 0 into the last stream it processed, so on a
   * connection's first stream the reset is what says so.)
   */
  private goAway(stream: ServerHttp2Stream, state: SessionState): void {
    state.goingAway = true;
    state.session.goaway(constants.NGHTTP2_NO_ERROR, Math.max(0, (stream.id ?? 1) - 2));
    stream.close(constants.NGHTTP2_REFUSED_STREAM);
  }

  private streamClosed(state: SessionState): void {
    state.openStreams -= 1;
    // Apple closes a connection it sent GOAWAY on once its streams are done; gracefully, so the
    // GOAWAY and the reset reach the client first (destroy can drop frames not yet written).
    if (state.goingAway && state.openStreams === 0) state.session.close();
  }

  private later(answer: () => void): void {
    if (this.held === null) answer();
    else this.held.push(answer);
  }
}

function readBody(stream: ServerHttp2Stream, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  stream.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= BODY_READ_LIMIT_BYTES) chunks.push(chunk);
  });
  stream.on('end', () => done(Buffer.concat(chunks)));
}

function respond(stream: ServerHttp2Stream, apnsId: string, reply: StatusAnswer): void {
  if (stream.closed || stream.destroyed) return;
  const headers: Record<string, string | number> = { ':status': reply.status, 'apns-id': apnsId };
  if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
  if (reply.status === 200) {
    stream.respond(headers, { endStream: true });
    return;
  }
  const body: Record<string, unknown> = { reason: reasonOf(reply) };
  if (reply.timestamp !== undefined) body['timestamp'] = reply.timestamp;
  stream.respond({ ...headers, 'content-type': 'application/json' });
  stream.end(JSON.stringify(body));
}

/** The reason a scripted answer carries, or Apple's usual one for its status. */
function reasonOf(reply: StatusAnswer): string | null {
  if (reply.reason !== undefined) return reply.reason;
  if (reply.status === 200) return null;
  if (reply.status === 503) return 'ServiceUnavailable';
  if (reply.status === 429) return 'TooManyRequests';
  return 'InternalServerError';
}

function bearerOf(headers: IncomingHttpHeaders): string | null {
  const value = headers['authorization'];
  return typeof value === 'string' ? (/^bearer (.+)$/i.exec(value)?.[1] ?? null) : null;
}
