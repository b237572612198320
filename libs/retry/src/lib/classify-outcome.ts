export type DeliveryVerdict = 'success' | 'retry' | 'disable_endpoint' | 'give_up';

export type TransportFailure = 'timeout' | 'connection' | 'dns' | 'tls' | 'other';

export type AttemptOutcome =
  { readonly status: number } | { readonly transportFailure: TransportFailure };

export interface ClassifyOptions {
  /**
   * Other 4xx answers mean the partner rejected the request; by default that is final. `true`
   * retries them all, a list retries those statuses only (a partner that answers 404 while
   * deploying, say).
   */
  readonly retryClientErrors?: boolean | readonly number[];
}

const ALWAYS_RETRYABLE = new Set([408, 425, 429]);

/**
 * What one attempt means for a delivery: 2xx succeeds; 408, 425, 429, 5xx, timeouts, connection,
 * DNS and TLS failures are retried; 410 Gone asks us to stop sending to the endpoint; 3xx is a
 * failure (redirects are not followed) worth retrying once the partner fixes its URL; other 4xx
 * give up unless configured otherwise.
 */
export function classifyOutcome(
  outcome: AttemptOutcome,
  options: ClassifyOptions = {},
): DeliveryVerdict {
  if (!('status' in outcome)) return 'retry';
  const { status } = outcome;
  if (status >= 200 && status < 300) return 'success';
  if (status === 410) return 'disable_endpoint';
  if (ALWAYS_RETRYABLE.has(status) || status >= 500) return 'retry';
  if (status >= 400 && status < 500) {
    const retry = options.retryClientErrors;
    return retry === true || (Array.isArray(retry) && retry.includes(status)) ? 'retry' : 'give_up';
  }
  return 'retry';
}

const ERROR_CODES: Record<string, TransportFailure> = {
  ETIMEDOUT: 'timeout',
  ESOCKETTIMEDOUT: 'timeout',
  UND_ERR_CONNECT_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  ABORT_ERR: 'timeout',
  // DOMException names (AbortSignal.timeout() and abort()): their `code` is a number.
  TimeoutError: 'timeout',
  AbortError: 'timeout',
  ECONNREFUSED: 'connection',
  ECONNRESET: 'connection',
  EPIPE: 'connection',
  EHOSTUNREACH: 'connection',
  ENETUNREACH: 'connection',
  UND_ERR_SOCKET: 'connection',
  UND_ERR_CLOSED: 'connection',
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  EAI_NONAME: 'dns',
};

/**
 * Maps a Node or undici error code to the kind of transport failure it is. Anything that is not
 * a string code (a DOMException's numeric code, say) is 'other', never an exception.
 */
export function transportFailureOf(code: unknown): TransportFailure {
  if (typeof code !== 'string' || code === '') return 'other';
  if (Object.hasOwn(ERROR_CODES, code)) return ERROR_CODES[code] as TransportFailure;
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('ERR_SSL'))
    return 'tls';
  return 'other';
}
