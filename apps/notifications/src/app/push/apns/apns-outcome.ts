import { parseRetryAfter } from '@switchyard/retry';
import { type PushOutcome } from '../push-outcome';

/** APNs' answer to one notification, as read off the HTTP/2 stream. */
export interface ApnsAnswer {
  readonly status: number;
  /** The `apns-id` response header. */
  readonly apnsId: string | null;
  /** The response body: `{"reason": "...", "timestamp": ms}` on errors, empty on 200. */
  readonly body: string;
  /** The `retry-after` response header. */
  readonly retryAfter: string | null;
}

/** Apple's reasons meaning the token no longer reaches the app (any status that carries them). */
const DEAD_TOKEN_REASONS: Readonly<Record<number, ReadonlySet<string>>> = {
  400: new Set(['BadDeviceToken', 'DeviceTokenNotForTopic']),
  410: new Set(['Unregistered', 'ExpiredToken']),
};

/**
 * Reasons only an operator can fix (the key, the team, the certificate, the app's topic). Every
 * send fails the same way until then, so they alert rather than just being recorded.
 */
const OPERATOR_REASONS: ReadonlySet<string> = new Set([
  'ExpiredProviderToken',
  'InvalidProviderToken',
  'MissingProviderToken',
  'BadCertificate',
  'BadCertificateEnvironment',
  'TopicDisallowed',
  'UnrelatedKeyIdInToken',
  'BadEnvironmentKeyInToken',
]);

export const EXPIRED_PROVIDER_TOKEN = 'ExpiredProviderToken';

/** The `reason` of an APNs error body, or null when the body has none. */
export function apnsReason(body: string): string | null {
  const reason = parseBody(body)?.['reason'];
  return typeof reason === 'string' ? reason : null;
}

/** APNs refused the provider token as too old: the client renews it and sends once more. */
export function isExpiredProviderToken(answer: ApnsAnswer): boolean {
  return answer.status === 403 && apnsReason(answer.body) === EXPIRED_PROVIDER_TOKEN;
}

/** What an APNs answer means for the delivery. Pure: `now` dates an HTTP-date `retry-after`. */
export function classifyApnsAnswer(answer: ApnsAnswer, now: number = Date.now()): PushOutcome {
  const { status } = answer;
  const reason = apnsReason(answer.body) ?? `HTTP ${status}`;
  if (status >= 200 && status < 300) {
    return { kind: 'sent', statusCode: status, providerId: answer.apnsId };
  }
  if (DEAD_TOKEN_REASONS[status]?.has(reason)) {
    return {
      kind: 'remove_device',
      statusCode: status,
      reason,
      unregisteredAt: status === 410 ? unregisteredAt(answer.body) : null,
    };
  }
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfter(answer.retryAfter ?? undefined, now) ?? null;
    return { kind: 'retry', statusCode: status, reason, retryAfterMs, minDelayMs: 0 };
  }
  return { kind: 'failed', statusCode: status, reason, alert: OPERATOR_REASONS.has(reason) };
}

/** The 410 body's `timestamp`: when APNs last knew the token valid, in ms since the epoch. */
function unregisteredAt(body: string): Date | null {
  const timestamp = parseBody(body)?.['timestamp'];
  if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) return null;
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? null : date;
}

function parseBody(body: string): Record<string, unknown> | null {
  if (body.trim() === '') return null;
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
