import { LoopbackHttpServer, readBody } from '../loopback-http-server';
import { randomInt } from 'node:crypto';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { type FakeGoogleOAuth } from './fake-google-oauth';

const FCM_ERROR_TYPE = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST_TYPE = 'type.googleapis.com/google.rpc.BadRequest';
const ERROR_INFO_TYPE = 'type.googleapis.com/google.rpc.ErrorInfo';
const PAYLOAD_LIMIT_BYTES = 4096;
const SEND_PATH = /^\/v1\/projects\/([^/]+)\/messages:send$/;

/** The errors a test can script for a registration token, each with FCM's real body. */
export type FcmScriptedError =
  | 'UNREGISTERED'
  | 'INVALID_TOKEN'
  | 'QUOTA_EXCEEDED'
  | 'UNAVAILABLE'
  | 'INTERNAL'
  | 'SENDER_ID_MISMATCH'
  | 'THIRD_PARTY_AUTH_ERROR'
  /** The bearer token refused (401, no FcmError), as for a token FCM will not take though fresh. */
  | 'UNAUTHENTICATED';

export interface FcmScriptedAnswer {
  readonly error: FcmScriptedError;
  /** The `retry-after` header, e.g. `'30'`. */
  readonly retryAfter?: string;
}

/** A message FCM accepted. */
export interface FcmReceivedMessage {
  readonly project: string;
  readonly accessToken: string;
  /** The `message` object as sent. */
  readonly message: Record<string, unknown>;
  /** The name FCM answered, `projects/<p>/messages/<id>`. */
  readonly name: string;
}

/** Every request, accepted or not: `status` is what the fake answered. */
export interface FcmRequestRecord {
  readonly project: string | null;
  /** `message.token`, when the body had one. */
  readonly token: string | null;
  readonly status: number;
  /** The FcmError code of the answer, null for a success or an error without one. */
  readonly errorCode: string | null;
}

export interface FakeFcmOptions {
  /** Issues and checks the bearer tokens. */
  readonly oauth: FakeGoogleOAuth;
  /** The Firebase projects that exist; any other is refused as Google refuses it. */
  readonly projects: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** A refusal with the google.rpc.Status JSON FCM answers. */
class RpcError extends Error {
  constructor(readonly answer: Answer) {
    super(`FCM ${answer.status}`);
  }
}

/**
 * FCM's HTTP v1 `messages:send` on 127.0.0.1. It checks what it receives as FCM does: the bearer
 * token with the fake OAuth server, the project, the message (one target, string data, the
 * 4 KB payload limit, known fields) and answers with FCM's JSON error bodies, FcmError details
 * included; a test scripts a token's answers (`UNREGISTERED`, `QUOTA_EXCEEDED`...).
 */
export class FakeFcm {
  readonly received: FcmReceivedMessage[] = [];
  readonly requests: FcmRequestRecord[] = [];
  private readonly scripts = new Map<string, FcmScriptedAnswer[]>();
  private readonly tokenProjects = new Map<string, string>();
  private readonly server: LoopbackHttpServer;

  constructor(private readonly options: FakeFcmOptions) {
    this.server = new LoopbackHttpServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify(rpcStatus(500, 'INTERNAL', `FakeFcm: ${String(err)}`)));
      });
    });
  }

  start(): Promise<string> {
    return this.server.start();
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  /** The next sends to `token` get these answers, in order; then it is accepted again. */
  script(token: string, ...answers: Array<FcmScriptedError | FcmScriptedAnswer>): void {
    const queue = this.scripts.get(token) ?? [];
    queue.push(...answers.map((a) => (typeof a === 'string' ? { error: a } : a)));
    this.scripts.set(token, queue);
  }

  /** The token belongs to an app of `project`: sent through another project, SENDER_ID_MISMATCH. */
  registerToken(token: string, project: string): void {
    this.tokenProjects.set(token, project);
  }

  /** Messages accepted for `token`. */
  receivedBy(token: string): FcmReceivedMessage[] {
    return this.received.filter((r) => r.message.token === token);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    const path = SEND_PATH.exec(new URL(req.url ?? '/', 'http://fake-fcm.invalid').pathname);
    if (req.method !== 'POST' || !path) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Error 404 (Not Found)</h1>');
      return;
    }
    const project = decodeURIComponent(path[1]);
    const record = { project, token: null as string | null };
    let answer: Answer;
    try {
      answer = this.send(project, req.headers.authorization, text, record);
    } catch (err) {
      if (!(err instanceof RpcError)) throw err;
      answer = err.answer;
    }
    this.requests.push({ ...record, status: answer.status, errorCode: fcmErrorCode(answer.body) });
    res.writeHead(answer.status, {
      'content-type': 'application/json; charset=UTF-8',
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body));
  }

  private send(
    project: string,
    authorization: string | undefined,
    text: string,
    record: { token: string | null },
  ): Answer {
    record.token = tokenOf(text);
    const accessToken = this.authenticate(authorization, project);
    const message = parseMessage(text);
    if (record.token !== null) this.checkToken(record.token, project);
    const name = `projects/${project}/messages/0:${Date.now()}${randomInt(1e9)}%31bd1c9631bd1c96`;
    this.received.push({ project, accessToken, message, name });
    return { status: 200, body: { name } };
  }

  /** The bearer token, if the fake OAuth server issued it for this project and it still holds. */
  private authenticate(authorization: string | undefined, project: string): string {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? '')?.[1];
    if (!bearer) throw new RpcError(unauthenticated('CREDENTIALS_MISSING'));
    const check = this.options.oauth.checkAccessToken(bearer);
    if (!check.valid) {
      throw new RpcError(
        unauthenticated(
          check.reason === 'expired' ? 'ACCESS_TOKEN_EXPIRED' : 'ACCESS_TOKEN_INVALID',
        ),
      );
    }
    // Google does not say whether a project it will not let you use exists.
    if (!this.options.projects.includes(project) || check.token.projectId !== project) {
      throw new RpcError({
        status: 403,
        body: rpcStatus(
          403,
          'PERMISSION_DENIED',
          `Permission 'cloudmessaging.messages.create' denied on resource ` +
            `'//cloudresourcemanager.googleapis.com/projects/${project}' (or it may not exist).`,
          [errorInfo('IAM_PERMISSION_DENIED', { permission: 'cloudmessaging.messages.create' })],
        ),
      });
    }
    return bearer;
  }

  /** The token's registration and the test's script. */
  private checkToken(token: string, project: string): void {
    const registered = this.tokenProjects.get(token);
    if (registered !== undefined && registered !== project) {
      throw new RpcError(scriptedAnswer({ error: 'SENDER_ID_MISMATCH' }));
    }
    const scripted = this.scripts.get(token)?.shift();
    if (scripted) throw new RpcError(scriptedAnswer(scripted));
  }
}

/** FCM's answer for each scriptable error, as its documentation and the wire show them. */
function scriptedAnswer({ error, retryAfter }: FcmScriptedAnswer): Answer {
  if (error === 'UNAUTHENTICATED') return unauthenticated('ACCESS_TOKEN_TYPE_UNSUPPORTED');
  const headers = retryAfter === undefined ? undefined : { 'retry-after': retryAfter };
  const fcm = (status: number, rpc: string, message: string, code: string = error): Answer => ({
    status,
    headers,
    body: rpcStatus(status, rpc, message, [{ '@type': FCM_ERROR_TYPE, errorCode: code }]),
  });
  switch (error) {
    case 'UNREGISTERED':
      return fcm(404, 'NOT_FOUND', 'Requested entity was not found.');
    case 'INVALID_TOKEN':
      return fcm(
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
        'INVALID_ARGUMENT',
      );
    case 'QUOTA_EXCEEDED':
      return fcm(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Send requests' and limit 'Send requests per minute' " +
          "of service 'fcm.googleapis.com'.",
      );
    case 'UNAVAILABLE':
      return fcm(503, 'UNAVAILABLE', 'The service is currently unavailable.');
    case 'INTERNAL':
      return fcm(500, 'INTERNAL', 'Internal error encountered.');
    case 'SENDER_ID_MISMATCH':
      return fcm(403, 'PERMISSION_DENIED', 'SenderId mismatch');
    case 'THIRD_PARTY_AUTH_ERROR':
      return fcm(401, 'UNAUTHENTICATED', 'Auth error from APNS or Web Push Service');
  }
}

/** A refused bearer token: 401 UNAUTHENTICATED with an ErrorInfo, and no FcmError. */
function unauthenticated(reason: string): Answer {
  const missing = reason === 'CREDENTIALS_MISSING';
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="https://accounts.google.com/"' },
    body: rpcStatus(
      401,
      'UNAUTHENTICATED',
      `${missing ? 'Request is missing required authentication credential' : 'Request had invalid authentication credentials'}. ` +
        'Expected OAuth 2 access token, login cookie or other valid authentication credential. ' +
        'See https://developers.google.com/identity/sign-in/web/devconsole-project.',
      [errorInfo(reason)],
    ),
  };
}

const TOP_FIELDS = ['message', 'validate_only'];
const MESSAGE_FIELDS = [
  'name',
  'data',
  'notification',
  'android',
  'webpush',
  'apns',
  'fcm_options',
  'token',
  'topic',
  'condition',
];
const NOTIFICATION_FIELDS = ['title', 'body', 'image'];
const ANDROID_FIELDS = [
  'collapse_key',
  'priority',
  'ttl',
  'restricted_package_name',
  'data',
  'notification',
  'fcm_options',
  'direct_boot_ok',
  'bandwidth_constrained_ok',
  'restricted_satellite_ok',
];
const APNS_FIELDS = ['headers', 'payload', 'fcm_options', 'live_activity_token'];
const WEBPUSH_FIELDS = ['headers', 'data', 'notification', 'fcm_options'];

/** The `message` of a send, checked as FCM checks it; refusals carry FCM's wording. */
function parseMessage(text: string): Record<string, unknown> {
  const top = objectOrUndefined(safeJson(text));
  if (!top) throw badRequest('', 'Invalid JSON payload received. Expected an object.');
  knownFields(top, TOP_FIELDS, '');
  const message = objectOrUndefined(top.message);
  if (!message) throw badRequest('message', "Invalid value at 'message': must be an object.");
  knownFields(message, MESSAGE_FIELDS, 'message');
  checkTarget(message);
  stringMap(message.data, 'message.data');
  checkNested(message);
  checkSize(message);
  return message;
}

function checkNested(message: Record<string, unknown>): void {
  const notification = objectOrUndefined(message.notification);
  if (notification) knownFields(notification, NOTIFICATION_FIELDS, 'message.notification');
  const android = objectOrUndefined(message.android);
  if (android) {
    knownFields(android, ANDROID_FIELDS, 'message.android');
    if (android.priority !== undefined && !['NORMAL', 'HIGH'].includes(String(android.priority))) {
      throw invalidValue(
        'message.android.priority',
        'type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority',
        android.priority,
      );
    }
    if (android.ttl !== undefined && !/^\d+(\.\d{1,9})?s$/.test(String(android.ttl))) {
      throw invalidValue(
        'message.android.ttl',
        'type.googleapis.com/google.protobuf.Duration',
        android.ttl,
      );
    }
  }
  const apns = objectOrUndefined(message.apns);
  if (apns) {
    knownFields(apns, APNS_FIELDS, 'message.apns');
    stringMap(apns.headers, 'message.apns.headers');
  }
  const webpush = objectOrUndefined(message.webpush);
  if (webpush) {
    knownFields(webpush, WEBPUSH_FIELDS, 'message.webpush');
    stringMap(webpush.headers, 'message.webpush.headers');
  }
}

/** Exactly one of token, topic, condition (FCM's `target` oneof). */
function checkTarget(message: Record<string, unknown>): void {
  const targets = ['token', 'topic', 'condition'].filter((t) => message[t] !== undefined);
  if (targets.length === 0) {
    throw new RpcError({
      status: 400,
      body: rpcStatus(400, 'INVALID_ARGUMENT', 'Recipient of the message is not set.', [
        { '@type': FCM_ERROR_TYPE, errorCode: 'INVALID_ARGUMENT' },
      ]),
    });
  }
  if (targets.length > 1) {
    throw badRequest(
      'message',
      `Invalid JSON payload received. Oneof field 'target' is already set. Cannot set '${targets[1]}'`,
    );
  }
}

function checkSize(message: Record<string, unknown>): void {
  const size = Buffer.byteLength(
    JSON.stringify({ notification: message.notification ?? {}, data: message.data ?? {} }),
    'utf8',
  );
  if (size > PAYLOAD_LIMIT_BYTES) {
    throw new RpcError({
      status: 400,
      body: rpcStatus(400, 'INVALID_ARGUMENT', 'Message is too big', [
        { '@type': FCM_ERROR_TYPE, errorCode: 'INVALID_ARGUMENT' },
      ]),
    });
  }
}

/** A proto map<string, string>: an object whose values are all strings. */
function stringMap(value: unknown, field: string): void {
  if (value === undefined) return;
  const map = objectOrUndefined(value);
  if (!map) throw badRequest(field, `Invalid value at '${field}': must be an object.`);
  Object.values(map).forEach((v, i) => {
    if (typeof v !== 'string') throw invalidValue(`${field}[${i}].value`, 'TYPE_STRING', v);
  });
}

function knownFields(object: Record<string, unknown>, known: readonly string[], at: string): void {
  const unknown = Object.keys(object).find((k) => !known.includes(k));
  if (unknown === undefined) return;
  const where = at ? ` at '${at}'` : '';
  throw badRequest(
    at,
    `Invalid JSON payload received. Unknown name "${unknown}"${where}: Cannot find field.`,
  );
}

function invalidValue(field: string, type: string, value: unknown): RpcError {
  return badRequest(field, `Invalid value at '${field}' (${type}), ${JSON.stringify(value)}`);
}

/** INVALID_ARGUMENT with a google.rpc.BadRequest naming the field, as for a malformed message. */
function badRequest(field: string, description: string): RpcError {
  return new RpcError({
    status: 400,
    body: rpcStatus(400, 'INVALID_ARGUMENT', description, [
      { '@type': BAD_REQUEST_TYPE, fieldViolations: [{ field, description }] },
    ]),
  });
}

/** The google.rpc.Status JSON of Google's APIs; `details` is left out when empty, as they do. */
function rpcStatus(code: number, status: string, message: string, details: object[] = []): object {
  return { error: { code, message, status, ...(details.length > 0 && { details }) } };
}

function errorInfo(reason: string, extra: Record<string, string> = {}): object {
  return {
    '@type': ERROR_INFO_TYPE,
    reason,
    domain: 'googleapis.com',
    metadata: {
      service: 'fcm.googleapis.com',
      method: 'google.firebase.fcm.v1.FcmService.SendMessage',
      ...extra,
    },
  };
}

/** `message.token` of a body, however bad the rest, so every request can be told apart. */
function tokenOf(text: string): string | null {
  const token = objectOrUndefined(objectOrUndefined(safeJson(text))?.message)?.token;
  return typeof token === 'string' ? token : null;
}

function fcmErrorCode(body: unknown): string | null {
  const details = (body as { error?: { details?: Array<Record<string, unknown>> } }).error?.details;
  const entry = details?.find((d) => d['@type'] === FCM_ERROR_TYPE);
  return typeof entry?.errorCode === 'string' ? entry.errorCode : null;
}

function objectOrUndefined(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
