import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { type ApnsRequest } from './apns-notification';

/** How one exchange with APNs ended. */
export type ExchangeResult =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: string;
    }
  /**
   * No answer, and APNs cannot have processed it: the request never left (no stream id, the
   * session was closed already) or APNs refused the stream (REFUSED_STREAM, or a stream above a
   * GOAWAY's last stream id). Safe to send again at once.
   */
  | { readonly kind: 'unsent'; readonly reason: string }
  /**
   * No answer, after the request left: the connection died, was reset or went away with the
   * stream in flight. APNs may have received and delivered it, so it must not be sent again at once.
   */
  | { readonly kind: 'lost'; readonly reason: string }
  /** No answer in time: APNs may have delivered it. */
  | { readonly kind: 'timeout'; readonly reason: string }
  | { readonly kind: 'aborted' };

/** The session a stream goes on, and what its server said about going away. */
export interface StreamSession {
  readonly session: ClientHttp2Session;
  /** The last stream id of the server's GOAWAY, or null: streams above it were not processed. */
  readonly goawayLastStreamId: number | null;
}

/** APNs error bodies are a small JSON object: anything past this is not read. */
const BODY_LIMIT_BYTES = 8192;

/**
 * Sends one notification on its own stream of `session` and reads the answer. Never throws. The
 * deadline counts from now, so time spent queued behind APNs' stream limit counts too.
 */
export function exchangeOnStream(
  session: StreamSession,
  request: ApnsRequest,
  jwt: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<ExchangeResult> {
  return new Promise((resolve) => {
    const exchange = new StreamExchange(resolve, timeoutMs, signal);
    exchange.start(session, {
      ':method': 'POST',
      ':path': request.path,
      authorization: `bearer ${jwt}`,
      ...request.headers,
    });
    exchange.send(request.payload);
  });
}

class StreamExchange {
  private stream: ClientHttp2Stream | null = null;
  private headers: IncomingHttpHeaders | null = null;
  private lastError: Error | null = null;
  private readonly chunks: Buffer[] = [];
  private bodyBytes = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = (): void => this.cancel({ kind: 'aborted' });

  constructor(
    private readonly resolve: (result: ExchangeResult) => void,
    timeoutMs: number,
    private readonly signal?: AbortSignal,
  ) {
    this.timer = setTimeout(
      () => this.cancel({ kind: 'timeout', reason: `APNs did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  start(session: StreamSession, headers: OutgoingHttpHeaders): void {
    try {
      this.stream = session.session.request(headers);
    } catch (err) {
      // The session began closing after it was chosen: the request never left.
      this.finish({ kind: 'unsent', reason: (err as Error).message });
      return;
    }
    this.listen(this.stream, session);
  }

  send(payload: string): void {
    if (this.settled) return;
    this.stream?.end(payload);
  }

  private listen(stream: ClientHttp2Stream, session: StreamSession): void {
    stream.on('response', (headers) => (this.headers = headers));
    stream.on('data', (chunk: Buffer) => {
      this.bodyBytes += chunk.length;
      if (this.bodyBytes <= BODY_LIMIT_BYTES) this.chunks.push(chunk);
    });
    stream.on('error', (err: Error) => (this.lastError = err));
    stream.on('end', () => {
      const answer = this.answer();
      if (answer !== null) this.finish(answer);
    });
    stream.on('close', () => {
      const reason =
        this.lastError?.message ??
        `the stream closed unanswered (code ${stream.rstCode ?? 'none'})`;
      this.finish(this.answer() ?? { kind: unanswered(stream, session), reason });
    });
  }

  private answer(): ExchangeResult | null {
    if (this.headers === null) return null;
    return {
      kind: 'answer',
      status: Number(this.headers[':status']),
      headers: this.headers,
      body: Buffer.concat(this.chunks).toString('utf8'),
    };
  }

  private cancel(result: ExchangeResult): void {
    this.finish(result);
    if (this.stream !== null && !this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
  }

  private finish(result: ExchangeResult): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.resolve(result);
  }
}

/**
 * Whether a stream that closed without an answer can have reached APNs. Only what HTTP/2 says
 * was not processed counts as unsent; anything else (the socket died, a PING went unanswered, a
 * GOAWAY with an error code destroyed the session, a reset such as INTERNAL_ERROR) may have
 * been received and delivered.
 */
function unanswered(stream: ClientHttp2Stream, session: StreamSession): 'unsent' | 'lost' {
  const id = stream.id;
  // Never given an id: the session ended before the request was written.
  if (id === undefined) return 'unsent';
  if (stream.rstCode === constants.NGHTTP2_REFUSED_STREAM) return 'unsent';
  const lastStreamId = session.goawayLastStreamId;
  return lastStreamId !== null && id > lastStreamId ? 'unsent' : 'lost';
}
