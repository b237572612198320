import { parseRetryAfter } from '@switchyard/retry';
import { z } from 'zod';
import { type PushOutcome } from '../push-outcome';

/** FCM's quota is per minute: a retry sooner is refused again. */
export const FCM_QUOTA_MIN_DELAY_MS = 60_000;

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';

/** One HTTP answer of `messages:send`, as read off the wire. */
export interface FcmAnswer {
  readonly statusCode: number;
  readonly body: string;
  readonly retryAfter: string | undefined;
}

/**
 * What an answer means. Besides the provider-neutral outcomes, `reauthenticate`: FCM refused
 * our access token (a 401 without an FcmError), which only the client can act on, by fetching
 * a new token and sending once more. It never leaves the client.
 */
export type FcmClassification =
  | PushOutcome
  | { readonly kind: 'reauthenticate'; readonly statusCode: 401; readonly reason: string };

/** The google.rpc.Status JSON every Google API error has (`{ error: { code, message, ... } }`). */
const RpcStatus = z.object({
  error: z.object({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z.array(z.looseObject({ '@type': z.string().optional() })).optional(),
  }),
});
const FcmErrorDetail = z.object({ '@type': z.literal(FCM_ERROR_TYPE), errorCode: z.string() });
const BadRequestDetail = z.object({
  '@type': z.literal(BAD_REQUEST_TYPE),
  fieldViolations: z
    .array(z.object({ field: z.string().optional(), description: z.string().optional() }))
    .optional(),
});

interface FcmErrorBody {
  /** `status` of the google.rpc.Status (`INVALID_ARGUMENT`...), or `HTTP <code>` without one. */
  readonly status: string;
  readonly message: string;
  /** The FcmError's `errorCode`, null when the details have none. */
  readonly errorCode: string | null;
  readonly fieldViolations: ReadonlyArray<{ field: string; description: string }>;
}

/**
 * Classifies an FCM v1 answer on the FcmError code first (a 404 or 400 without one says
 * nothing about the device), then on the HTTP status. Pure: `now` only dates `retry-after`.
 */
export function classifyFcmAnswer(answer: FcmAnswer, now: number = Date.now()): FcmClassification {
  const { statusCode } = answer;
  if (statusCode >= 200 && statusCode < 300) {
    return { kind: 'sent', statusCode, providerId: messageName(answer.body) };
  }
  const error = parseError(answer.body, statusCode);
  const retryAfterMs = parseRetryAfter(answer.retryAfter, now) ?? null;
  const reason = describe(error);
  switch (error.errorCode) {
    case 'UNREGISTERED':
      return { kind: 'remove_device', statusCode, reason: 'UNREGISTERED', unregisteredAt: null };
    case 'INVALID_ARGUMENT':
      return invalidArgument(statusCode, error);
    case 'QUOTA_EXCEEDED':
      return quota(statusCode, reason, retryAfterMs);
    case 'UNAVAILABLE':
    case 'INTERNAL':
      return { kind: 'retry', statusCode, reason, retryAfterMs, minDelayMs: 0 };
    case 'SENDER_ID_MISMATCH':
    case 'THIRD_PARTY_AUTH_ERROR':
    case 'APNS_AUTH_ERROR': // THIRD_PARTY_AUTH_ERROR's former name
      return { kind: 'failed', statusCode, reason, alert: true };
  }
  return byStatus(statusCode, error, reason, retryAfterMs);
}

/** No FcmError code we know: the status decides. */
function byStatus(
  statusCode: number,
  error: FcmErrorBody,
  reason: string,
  retryAfterMs: number | null,
): FcmClassification {
  if (statusCode === 429) return quota(statusCode, reason, retryAfterMs);
  if (statusCode >= 500) return { kind: 'retry', statusCode, reason, retryAfterMs, minDelayMs: 0 };
  if (statusCode === 401) return { kind: 'reauthenticate', statusCode, reason };
  if (statusCode === 400) return invalidArgument(statusCode, error);
  // 403 PERMISSION_DENIED and 404 NOT_FOUND without an FcmError are about the project or the
  // service account's role, not the device: an operator must fix them.
  const alert = statusCode === 403 || statusCode === 404;
  return { kind: 'failed', statusCode, reason, alert };
}

function quota(statusCode: number, reason: string, retryAfterMs: number | null): PushOutcome {
  return { kind: 'retry', statusCode, reason, retryAfterMs, minDelayMs: FCM_QUOTA_MIN_DELAY_MS };
}

/** A bad registration token removes the device; any other bad field is our message's fault. */
function invalidArgument(statusCode: number, error: FcmErrorBody): PushOutcome {
  if (isInvalidToken(error)) {
    return {
      kind: 'remove_device',
      statusCode,
      reason: `INVALID_ARGUMENT: ${error.message || 'invalid registration token'}`,
      unregisteredAt: null,
    };
  }
  return { kind: 'failed', statusCode, reason: describe(error), alert: false };
}

function isInvalidToken(error: FcmErrorBody): boolean {
  if (error.fieldViolations.some((v) => v.field === 'message.token')) return true;
  return error.errorCode === 'INVALID_ARGUMENT' && /registration token/i.test(error.message);
}

/** e.g. `INVALID_ARGUMENT (FcmError INVALID_ARGUMENT): Invalid value... [message.data[0].value: ...]` */
function describe(error: FcmErrorBody): string {
  const code = error.errorCode && error.errorCode !== error.status ? ` (${error.errorCode})` : '';
  const fields = error.fieldViolations.map((v) => `${v.field}: ${v.description}`).join('; ');
  return `${error.status}${code}: ${error.message || 'no message'}${fields ? ` [${fields}]` : ''}`;
}

function parseError(body: string, statusCode: number): FcmErrorBody {
  const parsed = RpcStatus.safeParse(safeJson(body));
  if (!parsed.success) {
    return {
      status: `HTTP ${statusCode}`,
      message: body.slice(0, 200),
      errorCode: null,
      fieldViolations: [],
    };
  }
  const { status, message, details = [] } = parsed.data.error;
  const fcmError = details.map((d) => FcmErrorDetail.safeParse(d)).find((r) => r.success);
  return {
    status: status ?? `HTTP ${statusCode}`,
    message: message ?? '',
    errorCode: fcmError?.data?.errorCode ?? null,
    fieldViolations: details.flatMap((d) => {
      const badRequest = BadRequestDetail.safeParse(d);
      return (badRequest.data?.fieldViolations ?? []).map((v) => ({
        field: v.field ?? '',
        description: v.description ?? '',
      }));
    }),
  };
}

function messageName(body: string): string | null {
  const parsed = z.object({ name: z.string() }).safeParse(safeJson(body));
  return parsed.success ? parsed.data.name : null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
