import { type KeyObject, verify } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http2';

/** An APNs refusal: the status and `reason` Apple documents for it. */
export interface ApnsRefusal {
  readonly status: number;
  readonly reason: string;
}

export interface ProviderTokenRules {
  readonly publicKey: KeyObject;
  readonly keyId: string;
  readonly teamId: string;
  /** Seconds since the epoch. */
  readonly nowSeconds: number;
}

/** Apple refuses provider tokens issued more than an hour ago. */
const TOKEN_LIFETIME_S = 3600;
const PAYLOAD_LIMIT_BYTES = 4096;
const COLLAPSE_ID_LIMIT_BYTES = 64;
const PUSH_TYPES = new Set([
  'alert',
  'background',
  'location',
  'voip',
  'complication',
  'fileprovider',
  'mdm',
  'liveactivity',
  'pushtotalk',
  'widgets',
  'controls',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks `authorization: bearer <ES256 JWT>` as APNs token authentication does. */
export function checkProviderToken(
  authorization: string | undefined,
  rules: ProviderTokenRules,
): ApnsRefusal | null {
  if (authorization === undefined || authorization === '') return forbidden('MissingProviderToken');
  const jwt = /^bearer (.+)$/i.exec(authorization)?.[1];
  const parts = jwt?.split('.') ?? [];
  if (parts.length !== 3) return forbidden('InvalidProviderToken');
  const [header, claims, signature] = parts;
  const head = decodeJson(header);
  const body = decodeJson(claims);
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${claims}`),
    { key: rules.publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64url'),
  );
  if (!signed || head?.['alg'] !== 'ES256' || head['kid'] !== rules.keyId) {
    return forbidden('InvalidProviderToken');
  }
  const iat = body?.['iat'];
  if (body?.['iss'] !== rules.teamId || typeof iat !== 'number' || !Number.isInteger(iat)) {
    return forbidden('InvalidProviderToken');
  }
  if (iat > rules.nowSeconds) return forbidden('InvalidProviderToken');
  if (rules.nowSeconds - iat > TOKEN_LIFETIME_S) return forbidden('ExpiredProviderToken');
  return null;
}

/** The device token from `/3/device/<token>`, or the refusal of the path. */
export function deviceTokenOf(path: string): { token: string } | ApnsRefusal {
  const match = /^\/3\/device\/([^/?]*)$/.exec(path);
  if (match === null) return { status: 404, reason: 'BadPath' };
  const token = decodeURIComponent(match[1]);
  if (token === '') return badRequest('MissingDeviceToken');
  return { token };
}

/** Checks the `apns-*` headers and the device token, in the order Apple documents them. */
export function checkHeaders(
  headers: IncomingHttpHeaders,
  token: string,
  topics: ReadonlySet<string>,
): ApnsRefusal | null {
  const topic = headers['apns-topic'];
  if (typeof topic !== 'string' || topic === '') return badRequest('MissingTopic');
  if (!topics.has(topic)) return badRequest('TopicDisallowed');
  if (!/^[0-9a-f]{64}$/i.test(token)) return badRequest('BadDeviceToken');
  const pushType = headers['apns-push-type'];
  if (typeof pushType !== 'string' || !PUSH_TYPES.has(pushType)) {
    return badRequest('InvalidPushType');
  }
  const priority = headers['apns-priority'];
  if (priority !== undefined && !['5', '10', '1'].includes(String(priority))) {
    return badRequest('BadPriority');
  }
  const expiration = headers['apns-expiration'];
  if (expiration !== undefined && !/^\d+$/.test(String(expiration))) {
    return badRequest('BadExpirationDate');
  }
  const collapseId = headers['apns-collapse-id'];
  if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > COLLAPSE_ID_LIMIT_BYTES) {
    return badRequest('BadCollapseId');
  }
  const apnsId = headers['apns-id'];
  if (apnsId !== undefined && !UUID.test(String(apnsId))) return badRequest('BadMessageId');
  return null;
}

/** The parsed payload, or the refusal: too large, empty, not JSON or without `aps`. */
export function checkPayload(body: Buffer): { payload: Record<string, unknown> } | ApnsRefusal {
  if (body.length > PAYLOAD_LIMIT_BYTES) return { status: 413, reason: 'PayloadTooLarge' };
  const payload = decodeObject(body.toString('utf8'));
  if (payload === null || typeof payload['aps'] !== 'object' || payload['aps'] === null) {
    return badRequest('PayloadEmpty');
  }
  return { payload };
}

function decodeJson(part: string): Record<string, unknown> | null {
  return decodeObject(Buffer.from(part, 'base64url').toString('utf8'));
}

function decodeObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function forbidden(reason: string): ApnsRefusal {
  return { status: 403, reason };
}

function badRequest(reason: string): ApnsRefusal {
  return { status: 400, reason };
}
