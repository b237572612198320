import { errorCodeOf, postForAnswer } from '../../delivery/outbound-answer';
import { Pool } from 'undici';
import { type PushDevice, type PushMessage, type PushTransport } from '../push-message';
import { failedUnsent, type PushOutcome, retryLater } from '../push-outcome';
import { type Clock, FcmAccessTokens, FcmAuthError, systemClock } from './fcm-access-token';
import { classifyFcmAnswer, type FcmAnswer, type FcmClassification } from './fcm-outcome';
import { fcmRequestBody } from './fcm-request';
import { type ServiceAccount } from './service-account';

export const FCM_BASE_URL = 'https://fcm.googleapis.com';
/** FCM's errors are small JSON; a bigger answer is cut rather than buffered. */
const ANSWER_LIMIT = 16_384;

export interface FcmClientOptions {
  readonly serviceAccount: ServiceAccount;
  readonly baseUrl?: string;
  /** For each request to FCM and to the token endpoint. */
  readonly requestTimeoutMs: number;
  readonly clock?: Clock;
}

/**
 * Sends notifications through FCM's HTTP v1 API (`messages:send`), one request per
 * registration token (the batch API is gone), authenticated with the service account's OAuth2
 * access tokens. A 401 without an FcmError means FCM refused the access token: the client fetches
 * a new one and sends once more, so that case never reaches the caller as such.
 */
export class FcmClient implements PushTransport {
  private readonly pool: Pool;
  private readonly tokens: FcmAccessTokens;
  private readonly clock: Clock;

  constructor(private readonly options: FcmClientOptions) {
    this.pool = new Pool(new URL(options.baseUrl ?? FCM_BASE_URL).origin);
    this.clock = options.clock ?? systemClock;
    this.tokens = new FcmAccessTokens({
      serviceAccount: options.serviceAccount,
      requestTimeoutMs: options.requestTimeoutMs,
      clock: this.clock,
    });
  }

  async send(device: PushDevice, message: PushMessage, signal?: AbortSignal): Promise<PushOutcome> {
    const body = fcmRequestBody(device, message, this.clock.now());
    if (!body.ok) return failedUnsent(body.reason);
    const path = `/v1/projects/${encodeURIComponent(device.app)}/messages:send`;
    try {
      const first = await this.attempt(path, body.json, signal);
      if (first.classification.kind !== 'reauthenticate') return first.classification;
      this.tokens.invalidate(first.accessToken);
      const second = await this.attempt(path, body.json, signal);
      return second.classification.kind === 'reauthenticate'
        ? refusedFreshToken(second.classification.reason, device.app)
        : second.classification;
    } catch (err) {
      return this.failure(err, signal);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.close(), this.tokens.close()]);
  }

  private async attempt(
    path: string,
    json: string,
    signal: AbortSignal | undefined,
  ): Promise<{ accessToken: string; classification: FcmClassification }> {
    const accessToken = await this.tokens.get(signal);
    const answer = await this.post(path, json, accessToken, signal);
    return { accessToken, classification: classifyFcmAnswer(answer, this.clock.now()) };
  }

  private async post(
    path: string,
    json: string,
    accessToken: string,
    signal: AbortSignal | undefined,
  ): Promise<FcmAnswer> {
    return postForAnswer(this.pool, {
      path,
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json; charset=utf-8',
      },
      body: json,
      timeoutMs: this.options.requestTimeoutMs,
      bodyLimit: ANSWER_LIMIT,
      ...(signal && { signal }),
    });
  }

  /** A send that got no answer from FCM: our shutdown, the token endpoint, or the network. */
  private failure(err: unknown, signal: AbortSignal | undefined): PushOutcome {
    if (signal?.aborted) {
      return retryLater('interrupted: the send was cut by our side before FCM answered');
    }
    if (err instanceof FcmAuthError) {
      return err.transient
        ? retryLater(err.message, err.statusCode)
        : { kind: 'failed', statusCode: err.statusCode, reason: err.message, alert: true };
    }
    return retryLater(`no answer from FCM (${errorCodeOf(err)}): sent again later`);
  }
}

function refusedFreshToken(reason: string, project: string): PushOutcome {
  return {
    kind: 'failed',
    statusCode: 401,
    reason:
      `FCM refused a freshly issued access token (${reason}): check that the service account ` +
      `has the "Firebase Cloud Messaging API Admin" role in project ${project} and that the ` +
      'Firebase Cloud Messaging API is enabled there.',
    alert: true,
  };
}
