import { type PushDevice, type PushMessage } from '../push-message';
import { type PushOutcome } from '../push-outcome';

/** APNs refuses larger payloads (413 PayloadTooLarge) for every push type but VoIP. */
export const APNS_PAYLOAD_LIMIT_BYTES = 4096;
/** APNs refuses longer `apns-collapse-id`s (400 BadCollapseId). */
export const APNS_COLLAPSE_ID_LIMIT_BYTES = 64;

/** One notification as it goes on the wire, minus the provider token. */
export interface ApnsRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
}

/**
 * Maps a message to the APNs request, or to the failure APNs would answer when the message can
 * never be sent as it is: refusing here costs no round trip and names the fix.
 */
export function apnsRequestFor(
  device: PushDevice,
  message: PushMessage,
): ApnsRequest | Extract<PushOutcome, { kind: 'failed' }> {
  const refusal = refusalOf(message);
  if (refusal !== null) return { kind: 'failed', statusCode: null, reason: refusal, alert: false };
  const payload = JSON.stringify(payloadOf(message));
  const size = Buffer.byteLength(payload);
  if (size > APNS_PAYLOAD_LIMIT_BYTES) {
    return {
      kind: 'failed',
      statusCode: null,
      reason:
        `PayloadTooLarge: the APNs payload is ${size} bytes, over the ${APNS_PAYLOAD_LIMIT_BYTES}-byte ` +
        'limit; shorten the title, body or data (not sent)',
      alert: false,
    };
  }
  return {
    path: `/3/device/${encodeURIComponent(device.token)}`,
    headers: headersOf(device, message),
    payload,
  };
}

function refusalOf(message: PushMessage): string | null {
  const collapseBytes = message.collapseKey === null ? 0 : Buffer.byteLength(message.collapseKey);
  if (collapseBytes > APNS_COLLAPSE_ID_LIMIT_BYTES) {
    return (
      `BadCollapseId: the collapse key is ${collapseBytes} bytes, over APNs' ` +
      `${APNS_COLLAPSE_ID_LIMIT_BYTES}-byte limit for apns-collapse-id; use a shorter key (not sent)`
    );
  }
  if (Object.hasOwn(message.data, 'aps')) {
    return "the data has an 'aps' key, which would replace the notification APNs shows; rename it (not sent)";
  }
  return null;
}

function payloadOf(message: PushMessage): Record<string, unknown> {
  const aps: Record<string, unknown> = {
    alert: { title: message.title, body: message.body },
    sound: 'default',
  };
  if (message.threadId !== null) aps['thread-id'] = message.threadId;
  return { aps, ...message.data };
}

function headersOf(device: PushDevice, message: PushMessage): Record<string, string> {
  const headers: Record<string, string> = {
    'apns-topic': device.app,
    'apns-push-type': 'alert',
    'apns-priority': message.priority === 'high' ? '10' : '5',
    'apns-id': message.pushId,
    'content-type': 'application/json',
  };
  // Without the header APNs keeps the notification as its storage policy says (the "provider
  // default" a null expiry means); 0 would mean "try once, never store".
  if (message.expiresAt !== null) {
    headers['apns-expiration'] = String(
      Math.max(1, Math.floor(message.expiresAt.getTime() / 1000)),
    );
  }
  if (message.collapseKey !== null) headers['apns-collapse-id'] = message.collapseKey;
  return headers;
}
