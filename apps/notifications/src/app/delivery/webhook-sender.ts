import { signStandardWebhook } from '@switchyard/signing';
import { request } from 'undici';

export interface WebhookRequest {
  readonly url: string;
  readonly messageId: string;
  readonly secret: string;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface WebhookResponse {
  readonly statusCode?: number;
  readonly retryAfter?: string;
  readonly body?: string;
  readonly error?: string;
  /** Node's or undici's error code, when the request failed before a response. */
  readonly errorCode?: string;
  readonly latencyMs: number;
}

const RESPONSE_BODY_LIMIT = 4096;
const USER_AGENT = 'Switchyard-Webhooks/0.1 (+https://github.com/switchyard)';

/** One signed POST. Never throws: transport failures come back as `error`. Redirects are not followed. */
export async function sendWebhook(req: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const timestamp = Math.floor(Date.now() / 1000);
  const headers = {
    ...signStandardWebhook(req.secret, req.messageId, timestamp, req.body),
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
  };
  try {
    const response = await request(req.url, {
      method: 'POST',
      headers,
      body: req.body,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs,
      signal: AbortSignal.timeout(req.timeoutMs),
    });
    const text = await response.body.text();
    const retryAfter = response.headers['retry-after'];
    return {
      statusCode: response.statusCode,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      body: text.slice(0, RESPONSE_BODY_LIMIT),
      latencyMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    const error = err as Error & { code?: string };
    return {
      error: `${error.code ?? error.name}: ${error.message}`,
      errorCode: error.code ?? error.name,
      latencyMs: Math.round(performance.now() - started),
    };
  }
}
