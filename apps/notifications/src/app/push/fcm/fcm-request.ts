import { type PushDevice, type PushMessage } from '../push-message';

/** FCM refuses a message whose payload (notification and data) is larger than this. */
export const FCM_PAYLOAD_LIMIT_BYTES = 4096;

/** Data keys FCM refuses (https://firebase.google.com/docs/cloud-messaging/concept-options). */
const RESERVED_DATA_KEYS = new Set(['from', 'notification', 'message_type']);
const RESERVED_DATA_PREFIXES = ['google', 'gcm'];

/** The JSON body of `messages:send`, or why the message cannot be sent as it is. */
export type FcmRequestBody =
  { readonly ok: true; readonly json: string } | { readonly ok: false; readonly reason: string };

/**
 * Maps a provider-neutral message to FCM v1's `{ message: ... }` for one registration token.
 * Refuses here what FCM would refuse, so the answer names the field and the fix.
 */
export function fcmRequestBody(
  device: PushDevice,
  message: PushMessage,
  now: number,
): FcmRequestBody {
  const data = checkedData(message);
  if (typeof data === 'string') return { ok: false, reason: data };
  const notification = { title: message.title, body: message.body };
  const size = payloadBytes(notification, data);
  if (size > FCM_PAYLOAD_LIMIT_BYTES) {
    return {
      ok: false,
      reason:
        `the message is ${size} bytes, over FCM's ${FCM_PAYLOAD_LIMIT_BYTES}-byte payload limit ` +
        '(title, body and data together): shorten them or send an id the app fetches details by',
    };
  }
  const ttlSeconds = message.expiresAt ? secondsUntil(message.expiresAt, now) : null;
  const body = {
    message: {
      token: device.token,
      notification,
      data,
      android: androidConfig(message, ttlSeconds),
      apns: apnsConfig(message),
      webpush: {
        headers: {
          Urgency: message.priority,
          ...(ttlSeconds !== null && { TTL: String(ttlSeconds) }),
        },
      },
    },
  };
  return { ok: true, json: JSON.stringify(body) };
}

/**
 * The size FCM limits, as the fake FCM measures it too: the JSON of notification and data.
 * The JSON punctuation makes it a little stricter than FCM's own count, never looser.
 */
export function payloadBytes(notification: object, data: Readonly<Record<string, string>>): number {
  return Buffer.byteLength(JSON.stringify({ notification, data }), 'utf8');
}

/** The data with `push_id` added, or why it cannot be sent. */
function checkedData(message: PushMessage): Record<string, string> | string {
  // The type says strings, but data comes from partners' JSON: check at run time.
  for (const [key, value] of Object.entries(message.data as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      return (
        `data.${key} is a ${value === null ? 'null' : typeof value}: FCM data values must be ` +
        'strings; encode it (e.g. JSON.stringify) before sending'
      );
    }
    if (RESERVED_DATA_KEYS.has(key) || RESERVED_DATA_PREFIXES.some((p) => key.startsWith(p))) {
      return `data.${key} is a key FCM reserves (from, notification, message_type, google*, gcm*): rename it`;
    }
  }
  return { ...message.data, push_id: message.pushId };
}

function androidConfig(message: PushMessage, ttlSeconds: number | null): object {
  return {
    priority: message.priority === 'high' ? 'HIGH' : 'NORMAL',
    ...(ttlSeconds !== null && { ttl: `${ttlSeconds}s` }),
    ...(message.collapseKey !== null && { collapse_key: message.collapseKey }),
    ...(message.threadId !== null && { notification: { tag: message.threadId } }),
  };
}

function apnsConfig(message: PushMessage): object {
  const headers = {
    'apns-priority': message.priority === 'high' ? '10' : '5',
    ...(message.collapseKey !== null && { 'apns-collapse-id': message.collapseKey }),
    ...(message.expiresAt !== null && {
      'apns-expiration': String(Math.max(0, Math.floor(message.expiresAt.getTime() / 1000))),
    }),
  };
  return message.threadId === null
    ? { headers }
    : { headers, payload: { aps: { 'thread-id': message.threadId } } };
}

/** Whole seconds left, at least 0: an expired message is tried once, now or never. */
function secondsUntil(expiresAt: Date, now: number): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now) / 1000));
}
