import { errorCodeOf, postForAnswer } from './outbound-answer';
import { REDACTED } from '@switchyard/service';
import { StandardWebhook } from '@switchyard/signing';
import { type Dispatcher } from 'undici';
import { checkUrl, type DestinationPolicy } from './url-safety/destination-policy';
import { SafeDestinationDispatcher } from './url-safety/safe-destination.dispatcher';

export interface WebhookRequest {
  readonly url: string;
  readonly messageId: string;
  /** Every active secret of the endpoint: during a rotation, old and new both sign. */
  readonly secrets: readonly string[];
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface WebhookResponse {
  readonly statusCode?: number;
  readonly retryAfter?: string;
  readonly body?: string;
  readonly error?: string;
  /** Node's or undici's error code, when the request failed before a response. */
  readonly errorCode?: string;
  /** The request was cut short by our own shutdown, not by the partner or the network. */
  readonly interrupted?: boolean;
  readonly latencyMs: number;
  /** The headers as sent, for the attempt's record: credentials among custom ones redacted. */
  readonly requestHeaders?: Readonly<Record<string, string>>;
}

export interface WebhookSenderOptions {
  readonly policy: DestinationPolicy;
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
}

const RESPONSE_BODY_LIMIT = 4096;

/** Where a checked endpoint URL sends: undici's origin and path. */
interface Destination {
  readonly origin: string;
  readonly path: string;
}
/** Custom headers whose values are credentials of the partner's receiver: kept off the record. */
const CREDENTIAL_HEADER = /authorization|cookie|token|secret|password|api[-_]?key/i;
const USER_AGENT = 'Switchyard-Webhooks/0.1';
const RESERVED_HEADERS = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'user-agent',
  'host',
  'content-length',
]);

/**
 * Sends one signed POST. Never throws: transport failures and refused destinations come back
 * as `error`. Redirects are not followed (a 3xx is the attempt's answer), and every connection
 * goes through `SafeDestinationDispatcher`.
 */
export class WebhookSender {
  private readonly dispatcher: Dispatcher;
  /** Decoded signing keys per endpoint secret set: decoding is not redone on every attempt. */
  private readonly signers = new Map<string, StandardWebhook>();
  private readonly destinations = new Map<string, Destination>();

  constructor(private readonly options: WebhookSenderOptions) {
    this.dispatcher = new SafeDestinationDispatcher(options.policy, {
      connectTimeoutMs: options.connectTimeoutMs,
    });
  }

  /** `interrupt` aborts the request from our side (a shutdown); the answer then says so. */
  async send(req: WebhookRequest, interrupt?: AbortSignal): Promise<WebhookResponse> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let requestHeaders: Readonly<Record<string, string>> | undefined;
    try {
      const url = this.destinationOf(req.url);
      const signed = this.signerFor(req.secrets).sign(
        req.messageId,
        Math.floor(Date.now() / 1000),
        req.body,
      );
      const headers = {
        ...customHeaders(req.headers),
        ...signed,
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
      };
      requestHeaders = recordable(headers);
      const answer = await postForAnswer(this.dispatcher, {
        origin: url.origin,
        path: url.path,
        headers,
        body: req.body,
        timeoutMs: this.options.timeoutMs,
        bodyLimit: RESPONSE_BODY_LIMIT,
        ...(interrupt && { signal: interrupt }),
      });
      return { ...answer, latencyMs: elapsed(), requestHeaders };
    } catch (err) {
      if (interrupt?.aborted) {
        return {
          error: 'interrupted: the service stopped before the endpoint answered; sent again',
          errorCode: 'INTERRUPTED',
          interrupted: true,
          latencyMs: elapsed(),
          ...(requestHeaders && { requestHeaders }),
        };
      }
      const code = errorCodeOf(err);
      return {
        error: `${code}: ${(err as Error).message}`,
        errorCode: code,
        latencyMs: elapsed(),
        ...(requestHeaders && { requestHeaders }),
      };
    }
  }

  /**
   * The URL checked against the policy, kept per URL: endpoints' URLs repeat at every attempt.
   * A refused URL is checked (and refused) again each time, so a policy error stays an answer.
   */
  private destinationOf(raw: string): Destination {
    let destination = this.destinations.get(raw);
    if (!destination) {
      const url = checkUrl(raw, this.options.policy);
      if (this.destinations.size >= 10_000) this.destinations.clear();
      destination = { origin: url.origin, path: `${url.pathname}${url.search}` };
      this.destinations.set(raw, destination);
    }
    return destination;
  }

  private signerFor(secrets: readonly string[]): StandardWebhook {
    const key = secrets.join(' ');
    let signer = this.signers.get(key);
    if (!signer) {
      // Rotated-away secrets would otherwise pile up: start afresh past a generous bound.
      if (this.signers.size >= 10_000) this.signers.clear();
      signer = new StandardWebhook(secrets);
      this.signers.set(key, signer);
    }
    return signer;
  }

  /**
   * Called once every send has settled: a request that a shutdown cut while it still waited for a
   * connection is dropped with the dispatcher, rather than given a connection to be cut on.
   */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}

/** The endpoint's custom headers, less those the signature and the protocol own. */
function customHeaders(
  headers: Readonly<Record<string, string>> | undefined,
): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !RESERVED_HEADERS.has(name.toLowerCase())),
  );
}

/**
 * The headers of a request as its attempt records them: credential values redacted. Most
 * requests carry none, and then the headers are recorded as they are, without a copy.
 */
function recordable(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const names = Object.keys(headers);
  if (!names.some((name) => CREDENTIAL_HEADER.test(name))) return headers;
  return Object.fromEntries(
    names.map((name) => [name, CREDENTIAL_HEADER.test(name) ? REDACTED : headers[name]]),
  );
}
