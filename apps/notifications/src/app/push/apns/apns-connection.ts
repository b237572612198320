import { type ClientHttp2Session, connect } from 'node:http2';
import { type ApnsRequest } from './apns-notification';
import { exchangeOnStream, type ExchangeResult, type StreamSession } from './apns-stream';

/** The connection settings cannot work; the message says which and what to give. */
export class ApnsConfigError extends Error {
  override readonly name = 'ApnsConfigError';
}

export interface ApnsConnectionOptions {
  /** e.g. `api.push.apple.com`. */
  readonly host: string;
  readonly port: number;
  /** Trusted CA certificates (PEM), for fakes; the system's by default. */
  readonly ca?: string;
  /** Bounds connecting, a PING's answer and each request, queueing included. */
  readonly requestTimeoutMs: number;
  readonly pingIntervalMs: number;
}

/**
 * The one long-lived HTTP/2 session to one APNs host Apple asks providers to keep, rather than
 * a connection per notification (which Apple may treat as a denial-of-service attack). Opened
 * on first use and again once the current one is closed, refused or dead.
 */
export class ApnsConnection {
  private current: LiveSession | null = null;
  private readonly all = new Set<LiveSession>();

  constructor(private readonly options: ApnsConnectionOptions) {
    checkOptions(options);
  }

  /** Sends one request on the current session; never throws. */
  async exchange(request: ApnsRequest, jwt: string, signal?: AbortSignal): Promise<ExchangeResult> {
    if (signal?.aborted) return { kind: 'aborted' };
    const live = this.session();
    const failure = await untilReady(live, signal);
    if (failure !== null) return failure;
    const result = await exchangeOnStream(
      live,
      request,
      jwt,
      this.options.requestTimeoutMs,
      signal,
    );
    // A stream lost on a session that still looks alive (refused, reset) is the first sign of a
    // session going away: the next send goes on a fresh one, so it cannot be lost the same way.
    if (result.kind === 'lost' || result.kind === 'unsent') this.retire(live);
    return result;
  }

  /** Cuts every session, and the requests in flight on them. */
  async close(): Promise<void> {
    this.current = null;
    await Promise.all([...this.all].map((live) => live.destroy()));
  }

  private session(): LiveSession {
    if (this.current === null || this.current.ended) {
      const live = new LiveSession(this.options, () => this.all.delete(live));
      this.current = live;
      this.all.add(live);
    }
    return this.current;
  }

  private retire(live: LiveSession): void {
    if (this.current === live) this.current = null;
    live.closeGracefully();
  }
}

/** One HTTP/2 session with its keep-alive PINGs. */
class LiveSession implements StreamSession {
  readonly session: ClientHttp2Session;
  goawayLastStreamId: number | null = null;
  /** Null once the server's first SETTINGS came; else why the session could not be used. */
  readonly ready: Promise<string | null>;
  /** Closing, closed or told to go away: no new streams. */
  ended = false;
  private readonly pinger: NodeJS.Timeout;
  private readonly closed: Promise<void>;

  constructor(
    private readonly options: ApnsConnectionOptions,
    onClosed: () => void,
  ) {
    this.session = connect(`https://${options.host}:${options.port}`, {
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    this.session.on('error', () => undefined); // Reported through 'close' and the streams.
    // Streams APNs already took still finish; new ones go on the next session.
    this.session.on('goaway', (_code: number, lastStreamId: number) => {
      this.ended = true;
      this.goawayLastStreamId = Math.min(lastStreamId, this.goawayLastStreamId ?? lastStreamId);
    });
    this.closed = new Promise((resolve) =>
      this.session.once('close', () => {
        this.ended = true;
        clearInterval(this.pinger);
        onClosed();
        resolve();
      }),
    );
    this.ready = this.firstSettings();
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs).unref();
  }

  closeGracefully(): void {
    this.ended = true;
    if (!this.session.closed && !this.session.destroyed) this.session.close();
  }

  async destroy(): Promise<void> {
    this.ended = true;
    this.session.destroy();
    await this.closed;
  }

  /**
   * APNs allows one stream per connection until a valid provider token was seen, and says so in
   * its first SETTINGS. Requests sent before those arrive would be refused beyond the first.
   */
  private firstSettings(): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve(`no connection to ${this.options.host} within ${this.options.requestTimeoutMs} ms`);
        this.session.destroy();
      }, this.options.requestTimeoutMs);
      const done = (reason: string | null): void => {
        clearTimeout(timer);
        resolve(reason);
      };
      this.session.once('remoteSettings', () => done(null));
      this.session.once('error', (err: Error) => done(`${this.options.host}: ${err.message}`));
      this.session.once('close', () => done(`the session to ${this.options.host} closed`));
    });
  }

  /** A session that no longer answers PINGs is dead even if TCP has not noticed yet. */
  private ping(): void {
    if (this.ended) return;
    const timer = setTimeout(() => this.session.destroy(), this.options.requestTimeoutMs);
    const sent = this.session.ping((err) => {
      clearTimeout(timer);
      if (err !== null) this.session.destroy();
    });
    if (!sent) clearTimeout(timer);
  }
}

async function untilReady(live: LiveSession, signal?: AbortSignal): Promise<ExchangeResult | null> {
  let onAbort = (): void => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const failure = await Promise.race([live.ready, aborted]);
    if (failure === 'aborted') return { kind: 'aborted' };
    // The session never became usable: nothing was sent on it.
    return failure === null ? null : { kind: 'unsent', reason: failure };
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

function checkOptions(options: ApnsConnectionOptions): void {
  try {
    new URL(`https://${options.host}:${options.port}`);
  } catch {
    throw new ApnsConfigError(
      `APNs host "${options.host}" and port ${options.port} do not make a URL: give a host name ` +
        'such as api.push.apple.com and a port such as 443',
    );
  }
  for (const name of ['requestTimeoutMs', 'pingIntervalMs'] as const) {
    if (!Number.isFinite(options[name]) || options[name] <= 0) {
      throw new ApnsConfigError(`APNs ${name} is ${options[name]}: give a positive number of ms`);
    }
  }
}
