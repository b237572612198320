import { type PushDevice, type PushMessage, type PushTransport } from '../push-message';
import { failedUnsent, type PushOutcome, retryLater } from '../push-outcome';
import { ApnsConnection } from './apns-connection';
import { apnsRequestFor, type ApnsRequest } from './apns-notification';
import { type ApnsAnswer, classifyApnsAnswer, isExpiredProviderToken } from './apns-outcome';
import { ApnsProviderToken } from './apns-provider-token';
import { type ExchangeResult } from './apns-stream';

export interface ApnsClientOptions {
  /** The .p8 key's text (PKCS#8 PEM, EC P-256). Kept in a KeyObject, never logged. */
  readonly keyPem: string;
  readonly keyId: string;
  readonly teamId: string;
  /** Host names: `api.push.apple.com` and `api.sandbox.push.apple.com` in production. */
  readonly hosts: { readonly production: string; readonly sandbox: string };
  /** 443 (APNs also listens on 2197). */
  readonly port?: number;
  /** Trusted CA certificates (PEM), for fakes; the system's by default. */
  readonly ca?: string;
  readonly requestTimeoutMs: number;
  readonly pingIntervalMs: number;
  /** Milliseconds since the epoch, for the provider token and `retry-after` dates. */
  readonly clock?: () => number;
}

type Environment = keyof ApnsClientOptions['hosts'];

/**
 * Sends notifications to APNs over HTTP/2 with token authentication: one session per host, one
 * provider token for all. Never throws: every end of a send is a `PushOutcome`.
 */
export class ApnsClient implements PushTransport {
  private readonly token: ApnsProviderToken;
  private readonly connections: Readonly<Record<Environment, ApnsConnection>>;
  private readonly clock: () => number;
  private closed = false;

  constructor(options: ApnsClientOptions) {
    this.clock = options.clock ?? Date.now;
    this.token = new ApnsProviderToken({ ...options, clock: this.clock });
    const connection = (host: string): ApnsConnection =>
      new ApnsConnection({
        host,
        port: options.port ?? 443,
        ca: options.ca,
        requestTimeoutMs: options.requestTimeoutMs,
        pingIntervalMs: options.pingIntervalMs,
      });
    this.connections = {
      production: connection(options.hosts.production),
      sandbox: connection(options.hosts.sandbox),
    };
  }

  async send(device: PushDevice, message: PushMessage, signal?: AbortSignal): Promise<PushOutcome> {
    if (device.platform !== 'apns' || device.environment === null) {
      return failedUnsent(
        `not an APNs device (platform ${device.platform}, environment ${device.environment}): ` +
          "an APNs device needs environment 'production' or 'sandbox'",
      );
    }
    if (this.closed) return interrupted('the APNs client is closed');
    const request = apnsRequestFor(device, message);
    if ('kind' in request) return request;
    return this.deliver(this.connections[device.environment], request, signal);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(Object.values(this.connections).map((c) => c.close()));
  }

  /**
   * Sends, then sends once more on a fresh session if APNs cannot have processed the request
   * (it never left, or APNs refused the stream: GOAWAY, REFUSED_STREAM), and once more with a new
   * provider token if APNs called the token expired: neither means the notification is wrong. A
   * stream lost after the request left (dead socket, unanswered PING, a GOAWAY with an error, a
   * reset) is not sent again here: APNs may have delivered it, so the delivery's retry schedule
   * decides, and the collapse id limits what a device shows if it arrives twice.
   */
  private async deliver(
    connection: ApnsConnection,
    request: ApnsRequest,
    signal?: AbortSignal,
  ): Promise<PushOutcome> {
    let unsent: string | null = null;
    let renewedToken = false;
    for (;;) {
      // Checked right before the exchange, which picks (or opens) a session synchronously.
      if (this.closed) return interrupted('the APNs client is closed');
      const jwt = this.token.get();
      const result = await connection.exchange(request, jwt, signal);
      if (result.kind === 'unsent') {
        if (unsent !== null) return connectionLostTwice(unsent, result.reason);
        unsent = result.reason;
        continue;
      }
      if (result.kind === 'lost') return lostAfterSending(result.reason);
      if (result.kind !== 'answer') return unanswered(result);
      const answer = answerOf(result);
      if (!renewedToken && isExpiredProviderToken(answer)) {
        this.token.invalidate(jwt);
        renewedToken = true;
        continue;
      }
      return classifyApnsAnswer(answer, this.clock());
    }
  }
}

function answerOf(result: Extract<ExchangeResult, { kind: 'answer' }>): ApnsAnswer {
  return {
    status: result.status,
    apnsId: headerOf(result.headers['apns-id']),
    body: result.body,
    retryAfter: headerOf(result.headers['retry-after']),
  };
}

function headerOf(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function unanswered(result: Extract<ExchangeResult, { kind: 'timeout' | 'aborted' }>): PushOutcome {
  return result.kind === 'aborted'
    ? interrupted('the send was aborted before APNs answered')
    : retryLater(`${result.reason}; it may have been delivered`);
}

function lostAfterSending(why: string): PushOutcome {
  return retryLater(
    `the connection to APNs was lost after the notification was sent (${why}); ` +
      'APNs may have delivered it',
  );
}

function connectionLostTwice(first: string, second: string): PushOutcome {
  return retryLater(
    `the connection to APNs was lost twice before an answer (${first}; then ${second})`,
  );
}

function interrupted(why: string): PushOutcome {
  return retryLater(`interrupted: ${why}`);
}
