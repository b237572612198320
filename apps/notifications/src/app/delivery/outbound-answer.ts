import { type Dispatcher } from 'undici';

/**
 * What the service's outbound HTTP calls (webhooks, FCM and its token endpoint) make of a failure
 * or an answer, with undici.
 */

/**
 * The failure's code as a string. Node and undici put a string in `code` (or in the cause's);
 * a DOMException (an aborted or timed-out request) has a number there and its name is the code.
 */
export function errorCodeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | null;
  const code = [e?.code, e?.cause?.code, e?.name].find((c) => typeof c === 'string' && c !== '');
  return (code as string | undefined) ?? 'UNKNOWN';
}

export interface OutboundPost {
  /** Needed with an `Agent`; a `Pool` or a `Client` has its own. */
  readonly origin?: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /**
   * From the start of the call to the end of the answer. A request still waiting for a
   * connection when it passes is cut once undici hands it one, unsent; connecting itself is
   * bounded by the dispatcher's connect timeout.
   */
  readonly timeoutMs: number;
  /** Cuts the request from our side (a shutdown); the call then fails with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Bytes of the answer's body kept; the rest is read and dropped, never buffered. */
  readonly bodyLimit: number;
}

export interface OutboundAnswer {
  readonly statusCode: number;
  readonly retryAfter: string | undefined;
  readonly body: string;
}

/**
 * POSTs and reads the answer. Fails as undici's `request` does: with undici's error, the
 * signal's reason, or a `TimeoutError` DOMException once `timeoutMs` has passed.
 *
 * It runs on undici's `dispatch` with a handler of its own rather than on `request`, which
 * wraps every answer in a stream read through an async iterator and every call in an async
 * resource and abort listeners: 0.067-0.095 client CPU ms per POST against 0.046-0.050 with this
 * handler (`tools/bench/probes/undici-post-cost.mjs`, undici 7.30, Node 20).
 */
export function postForAnswer(dispatcher: Dispatcher, post: OutboundPost): Promise<OutboundAnswer> {
  return new Promise((resolve, reject) => {
    const handler = new AnswerHandler(post, resolve, reject);
    if (post.signal?.aborted) {
      handler.fail(post.signal.reason);
      return;
    }
    try {
      dispatcher.dispatch(
        {
          ...(post.origin !== undefined && { origin: post.origin }),
          path: post.path,
          method: 'POST',
          headers: post.headers,
          body: post.body,
          headersTimeout: post.timeoutMs,
          bodyTimeout: post.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      handler.fail(err);
    }
  });
}

/**
 * Collects one answer: its status, `retry-after` and the first `bodyLimit` bytes of its body.
 * Settles once, when undici gives the request back: answered, failed, or cut by the deadline or
 * the signal.
 */
class AnswerHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private reason: unknown = null;
  private settled = false;
  private statusCode = 0;
  private retryAfter: string | undefined;
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private readonly timer: NodeJS.Timeout;
  /**
   * Our side cutting the call (a shutdown) settles it at once, whether or not undici has handed
   * the request a connection yet: a stopping worker does not wait for connections to partners
   * only to cut what would go over them.
   */
  private readonly onAbort = (): void => {
    const reason = this.post.signal?.reason;
    this.abort(reason);
    this.fail(reason);
  };

  constructor(
    private readonly post: OutboundPost,
    private readonly resolve: (answer: OutboundAnswer) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.timer = setTimeout(
      () => this.abort(new DOMException('The request timed out', 'TimeoutError')),
      post.timeoutMs,
    );
    post.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Cuts the request. One still waiting for a connection is cut when undici hands it one, before
   * it is written, and the call fails then: until undici gives a request back it holds its place
   * (and the caller its slot), so requests that timed out in the queue never pile up behind a
   * slow endpoint's connections.
   */
  abort(reason: unknown): void {
    if (this.reason === null) this.reason = reason;
    if (this.controller) {
      this.controller.abort(reason as Error);
      this.fail(reason);
    }
  }

  fail(err: unknown): void {
    if (this.finish()) this.reject(err);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Called again when undici retries the request on a new connection: start the answer afresh.
    this.chunks.length = 0;
    this.kept = 0;
    if (this.reason !== null) controller.abort(this.reason as Error);
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    this.statusCode = statusCode;
    const retryAfter = headers['retry-after'];
    this.retryAfter = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const room = this.post.bodyLimit - this.kept;
    if (room <= 0) return;
    // A copy: the chunk is undici's to reuse once this returns.
    const part = Buffer.from(chunk.subarray(0, room));
    this.chunks.push(part);
    this.kept += part.length;
  }

  onResponseEnd(): void {
    if (!this.finish()) return;
    this.resolve({
      statusCode: this.statusCode,
      retryAfter: this.retryAfter,
      body: this.text(),
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.fail(err);
  }

  /** True the first time: the call settles then, and its timer and listener go. */
  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    clearTimeout(this.timer);
    this.post.signal?.removeEventListener('abort', this.onAbort);
    return true;
  }

  private text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
