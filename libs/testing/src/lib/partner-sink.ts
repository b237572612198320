import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** When the request arrived (ms since the epoch). */
  readonly receivedAt: number;
  /** The status the sink answered (204, or the failure it was told to answer with); 0 until it has. */
  answered: number;
  /** When the answer went out; undefined until it has. */
  answeredAt?: number;
  /** The payload as returned by the `standardwebhooks` verifier, or the reason it refused. */
  readonly verified: { ok: true; payload: unknown } | { ok: false; error: string };
}

/**
 * A partner's webhook receiver on loopback. It verifies every request with the
 * `standardwebhooks` package (a verifier we did not write) once it knows the endpoint secret.
 */
export class PartnerSink {
  readonly received: ReceivedWebhook[] = [];
  private secret: string | null = null;
  private failWith: number | null = null;
  private failures: { count: number; status: number } = { count: 0, status: 503 };
  private delayMs = 0;
  private hanging = false;
  private readonly held: (() => void)[] = [];
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.nextStatus();
        const receipt: ReceivedWebhook = {
          headers: req.headers,
          body,
          receivedAt: Date.now(),
          answered: 0,
          verified: this.verify(req.headers, body),
        };
        this.received.push(receipt);
        const answer = (): void => {
          res.writeHead(status).end();
          receipt.answered = status;
          receipt.answeredAt = Date.now();
        };
        if (this.hanging) this.held.push(answer);
        else if (this.delayMs > 0) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks`;
  }

  useSecret(secret: string): void {
    this.secret = secret;
  }

  /** A partner outage: every request is answered with `status` (503, say) until `recover()`. */
  failEverything(status = 503): void {
    this.failWith = status;
  }

  /** Answers the next `count` requests with `status`, then as before. */
  failNext(count: number, status = 503): void {
    this.failures = { count, status };
  }

  /** A slow partner: every answer goes out `ms` after the request arrived. */
  answerAfter(ms: number): void {
    this.delayMs = ms;
  }

  /** An endpoint that accepts requests and never answers them, until `recover()`. */
  hangEverything(): void {
    this.hanging = true;
  }

  recover(): void {
    this.failWith = null;
    this.failures = { count: 0, status: 503 };
    this.delayMs = 0;
    this.hanging = false;
    for (const answer of this.held.splice(0)) answer();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private nextStatus(): number {
    if (this.failures.count > 0) {
      this.failures.count--;
      return this.failures.status;
    }
    return this.failWith ?? 204;
  }

  private verify(headers: IncomingHttpHeaders, body: string): ReceivedWebhook['verified'] {
    if (!this.secret) return { ok: false, error: 'the sink has no secret yet' };
    try {
      const flat = Object.fromEntries(
        Object.entries(headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      return { ok: true, payload: new Webhook(this.secret).verify(body, flat) };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}
