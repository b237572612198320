import { request } from 'undici';

/** One malformed request and the refusal it must get: a 4xx with a code and a message. */
export interface BadRequestProbe {
  /** What is wrong with the request, as a phrase: "a body that is not JSON". */
  readonly given: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  readonly path: string;
  /** A value sent as JSON (`content-type: application/json` unless `headers` say otherwise). */
  readonly json?: unknown;
  /** Bytes sent as they are, for bodies JSON.stringify cannot make. */
  readonly raw?: string | Buffer;
  readonly headers?: Readonly<Record<string, string>>;
  readonly status: number;
  readonly code: string;
  /** What the message must say (it names the problem and how to fix it). */
  readonly message?: RegExp;
}

export interface ProbeAnswer {
  readonly status: number;
  readonly contentType: string;
  /** The parsed JSON answer, or the text when it is not JSON. */
  readonly body: unknown;
}

/**
 * Sends a probe as is: any method with any body (GET included) and any bytes, which `fetch`
 * refuses to send, so a test can see what the service answers to requests real clients make.
 */
export async function sendProbe(
  baseUrl: string,
  probe: BadRequestProbe,
  defaultHeaders: Readonly<Record<string, string>> = {},
): Promise<ProbeAnswer> {
  const body =
    probe.raw !== undefined
      ? probe.raw
      : probe.json !== undefined
        ? JSON.stringify(probe.json)
        : undefined;
  const res = await request(`${baseUrl}${probe.path}`, {
    method: probe.method,
    headers: {
      ...defaultHeaders,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...probe.headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.body.text();
  const contentType = String(res.headers['content-type'] ?? '');
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: the test shows the text.
  }
  return { status: res.statusCode, contentType, body: parsed };
}

/** The `{ error: { code, message } }` of an answer, or undefined when it has none. */
export function errorOf(answer: ProbeAnswer): { code?: unknown; message?: unknown } | undefined {
  const body = answer.body as { error?: { code?: unknown; message?: unknown } } | null;
  return typeof body === 'object' && body !== null ? body.error : undefined;
}

export interface Refusal {
  readonly status: number;
  readonly code: unknown;
  readonly json: boolean;
  readonly message: unknown;
}

/** What an answer says about a refusal, to compare with `expectedRefusal(probe)`. */
export function refusalOf(answer: ProbeAnswer): Refusal {
  const error = errorOf(answer);
  return {
    status: answer.status,
    code: error?.code,
    json: /^application\/json/.test(answer.contentType),
    message: error?.message,
  };
}

/** The refusal a probe must get: its status and code, as JSON, with a message saying what to fix. */
export function expectedRefusal(probe: BadRequestProbe): Refusal {
  return {
    status: probe.status,
    code: probe.code,
    json: true,
    message: expect.stringMatching(probe.message ?? /./),
  };
}
