import { LoopbackHttpServer } from './loopback-http-server';
import { type IncomingHttpHeaders, type ServerResponse } from 'node:http';

/** How the receiver answers one request. */
export type Behaviour =
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: string;
    }
  | { readonly kind: 'hang' }
  | { readonly kind: 'reset' };

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * A partner endpoint on loopback whose answers a test scripts per path: a queue of behaviours
 * (then the default, 204), so "fails twice, then succeeds", "always 500", "hangs", "resets the
 * connection", "410", "429 with Retry-After" and "redirects" are one line each.
 */
export class ScriptedReceiver {
  readonly received: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, Behaviour[]>();
  private readonly defaults = new Map<string, Behaviour>();
  private readonly server: LoopbackHttpServer;

  constructor() {
    this.server = new LoopbackHttpServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.received.push({
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        });
        this.answer(
          res,
          this.scripts.get(path)?.shift() ??
            this.defaults.get(path) ?? { kind: 'status', status: 204 },
        );
      });
    });
  }

  start(): Promise<string> {
    return this.server.start();
  }

  url(path: string): string {
    return `${this.server.url}${path}`;
  }

  /** Answers the next requests to `path` with these behaviours, in order. */
  script(path: string, ...behaviours: Behaviour[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...behaviours]);
  }

  /** Answers every request to `path` (once its script is spent) with this behaviour. */
  always(path: string, behaviour: Behaviour): void {
    this.defaults.set(path, behaviour);
  }

  requestsTo(path: string): ReceivedRequest[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  private answer(res: ServerResponse, behaviour: Behaviour): void {
    switch (behaviour.kind) {
      case 'hang':
        return;
      case 'reset':
        res.socket?.resetAndDestroy();
        return;
      case 'status':
        res.writeHead(behaviour.status, behaviour.headers).end(behaviour.body ?? '');
    }
  }
}
