import { readBody } from './loopback-http-server';
import { randomBytes } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { type AddressInfo } from 'node:net';
import type Stripe from 'stripe';
import eventFixture from './fixtures/stripe/event.json';
import paymentIntentFixture from './fixtures/stripe/payment_intent.json';

/** A value of Stripe's bracket form encoding (`a[b][0]=c`) once parsed. */
export type StripeParamValue = string | StripeParamValue[] | StripeParams;
export interface StripeParams {
  [name: string]: StripeParamValue;
}

/** One HTTP request as the fake received it. `status` is what the fake answered. */
export interface FakeStripeRequest {
  readonly method: string;
  /** Path without the query string, e.g. `/v1/payment_intents`. */
  readonly path: string;
  /** Node's lower-cased headers, e.g. `headers['idempotency-key']`. */
  readonly headers: IncomingHttpHeaders;
  /** The parsed query string (`{}` when there is none or it did not parse). */
  readonly query: StripeParams;
  /** The parsed form body of a form-encoded request, else null. */
  readonly form: StripeParams | null;
  /** The raw body. */
  readonly body: string;
  readonly status: number;
}

/**
 * A PaymentIntent as the fake returns it: every field of Stripe's fixture
 * (`fixtures/stripe/payment_intent.json`), with the created values on top.
 */
export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  client_secret: string;
  created: number;
  livemode: false;
  metadata: Record<string, string>;
  status: string;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  [field: string]: unknown;
}

/** A Stripe event (`object: 'event'`) as `GET /v1/events` returns it. */
export interface FakeStripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  api_version: string | null;
  livemode: boolean;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  [field: string]: unknown;
}

export interface FakeStripeApiOptions {
  /** The only secret key the fake accepts as `Authorization: Bearer <key>`. Default `sk_test_fake`. */
  secretKey?: string;
  /**
   * stripe-node puts an `Idempotency-Key: stripe-node-retry-<uuid>` on every POST it sends, so
   * "no key" reaches the fake as an auto-generated key. By default the fake refuses those as it
   * refuses a missing header: our code must choose its own keys. Set true to accept them.
   */
  acceptAutoIdempotencyKeys?: boolean;
}

export interface FakeStripeAddress {
  host: string;
  port: number;
  protocol: 'http';
  /** e.g. `http://127.0.0.1:40123` */
  url: string;
}

/** The API version stripe@23.1.0 pins; used for events built by `paymentIntentEvent`. */
export const FAKE_STRIPE_API_VERSION = '2026-10-28.endive';

const STRIPE_NODE_AUTO_KEY_PREFIX = 'stripe-node-retry-';
const MAX_EVENTS_TYPES = 20;

/** Builds an event whose `data.object` is (a copy of) the given PaymentIntent. */
export function paymentIntentEvent(
  type: string,
  paymentIntent: FakePaymentIntent | Record<string, unknown>,
  created: number = nowSeconds(),
): FakeStripeEvent {
  return {
    ...eventFixture,
    id: `evt_${randomId()}`,
    object: 'event',
    type,
    created,
    api_version: FAKE_STRIPE_API_VERSION,
    livemode: false,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    data: { object: structuredClone(paymentIntent) as Record<string, unknown> },
  };
}

/**
 * A strict stand-in for Stripe's REST API (v1) on 127.0.0.1, driven by the real `stripe` package.
 * It checks what it receives like Stripe does (auth, form encoding, required and unknown
 * parameters, idempotency) and is stricter than Stripe in one respect: every
 * `POST /v1/payment_intents` needs an explicit `Idempotency-Key`.
 *
 * Routes: `POST /v1/payment_intents`, `GET /v1/payment_intents/:id`, `GET /v1/events`,
 * `GET /v1/events/:id`. Everything else is a Stripe-style 404.
 */
export class FakeStripeApi {
  /** Every request received, in arrival order, including the refused ones. */
  readonly requests: FakeStripeRequest[] = [];
  private readonly secretKey: string;
  private readonly acceptAutoIdempotencyKeys: boolean;
  private readonly server: Server;
  private address: FakeStripeAddress | null = null;
  private readonly paymentIntents = new Map<string, FakePaymentIntent>();
  private readonly events: Array<{ seq: number; event: FakeStripeEvent }> = [];
  private eventSeq = 0;
  private readonly idempotency = new Map<string, IdempotentResult>();
  /** Requests still to be answered as an outage, before the API works again. */
  private outageLeft = 0;

  constructor(options: FakeStripeApiOptions = {}) {
    this.secretKey = options.secretKey ?? 'sk_test_fake';
    this.acceptAutoIdempotencyKeys = options.acceptAutoIdempotencyKeys ?? false;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
        }
        res.end(
          JSON.stringify({
            error: { type: 'api_error', message: `FakeStripeApi: ${String(err)}` },
          }),
        );
      });
    });
  }

  async start(): Promise<FakeStripeAddress> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.address = { host: '127.0.0.1', port, protocol: 'http', url: `http://127.0.0.1:${port}` };
    return this.address;
  }

  /**
   * The config for `new Stripe(key, config)` that points the client at this fake: no retries
   * (a retry would hide what our code sent) and no telemetry (which would otherwise write a
   * telemetry id file under ~/.config/stripe).
   */
  stripeConfig(): Stripe.StripeConfig {
    if (!this.address) throw new Error('FakeStripeApi: call start() before stripeConfig()');
    const { host, port, protocol } = this.address;
    return { host, port, protocol, maxNetworkRetries: 0, telemetry: false };
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.address = null;
  }

  /** Forgets requests, PaymentIntents, events and idempotency keys. */
  /**
   * An outage at Stripe: the next `requests` requests, whatever they ask, are answered 503 with
   * an `api_error`, as Stripe answers when it is having trouble; then the API works again.
   */
  failNext(requests: number): void {
    this.outageLeft = requests;
  }

  reset(): void {
    this.requests.length = 0;
    this.paymentIntents.clear();
    this.events.length = 0;
    this.idempotency.clear();
    this.outageLeft = 0;
  }

  /** Stores an event for `GET /v1/events`. Throws if it is not shaped like a Stripe event. */
  addEvent(event: FakeStripeEvent): FakeStripeEvent {
    if (!/^evt_\w+$/.test(event.id)) throw new Error(`FakeStripeApi: bad event id ${event.id}`);
    if (event.object !== 'event') throw new Error('FakeStripeApi: event.object must be "event"');
    if (!Number.isInteger(event.created) || event.created < 0 || event.created > 1e11) {
      throw new Error(`FakeStripeApi: event.created must be unix seconds, got ${event.created}`);
    }
    if (this.events.some((e) => e.event.id === event.id)) {
      throw new Error(`FakeStripeApi: duplicate event id ${event.id}`);
    }
    this.events.push({ seq: this.eventSeq++, event: structuredClone(event) });
    return event;
  }

  /** The stored PaymentIntent (a copy), if any. */
  getPaymentIntent(id: string): FakePaymentIntent | undefined {
    const pi = this.paymentIntents.get(id);
    return pi && structuredClone(pi);
  }

  /** All stored PaymentIntents (copies), oldest first. */
  listPaymentIntents(): FakePaymentIntent[] {
    return [...this.paymentIntents.values()].map((pi) => structuredClone(pi));
  }

  /** Changes a stored PaymentIntent (e.g. `{ status: 'succeeded' }`) and returns a copy. */
  updatePaymentIntent(id: string, patch: Partial<FakePaymentIntent>): FakePaymentIntent {
    const pi = this.paymentIntents.get(id);
    if (!pi) throw new Error(`FakeStripeApi: no PaymentIntent ${id}`);
    Object.assign(pi, structuredClone(patch), { id });
    return structuredClone(pi);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-stripe.invalid');
    const method = (req.method ?? 'GET').toUpperCase();
    const record = {
      method,
      path: url.pathname,
      headers: req.headers,
      query: {} as StripeParams,
      form: null as StripeParams | null,
      body,
      status: 0,
    };
    this.requests.push(record);

    let reply: Reply;
    try {
      record.query = parseStripeParams(url.search.slice(1));
      if (isFormEncoded(req.headers) && body.length > 0) record.form = parseStripeParams(body);
    } catch {
      // Reported below by the route that needs the parameters.
    }
    try {
      if (this.outageLeft > 0) {
        this.outageLeft--;
        throw new StripeHttpError(503, {
          type: 'api_error',
          message: 'The Stripe API is temporarily unavailable (FakeStripeApi outage)',
        });
      }
      this.authenticate(req.headers);
      reply = this.route(method, url, req.headers, body);
    } catch (err) {
      if (!(err instanceof StripeHttpError)) throw err;
      reply = { status: err.status, body: JSON.stringify({ error: err.error }), headers: {} };
    }
    record.status = reply.status;
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'request-id': `req_${randomId()}`,
      'stripe-version': headerValue(req.headers, 'stripe-version') ?? FAKE_STRIPE_API_VERSION,
      ...reply.headers,
    });
    res.end(reply.body);
  }

  private authenticate(headers: IncomingHttpHeaders): void {
    const authorization = headerValue(headers, 'authorization');
    if (!authorization) {
      throw new StripeHttpError(401, {
        type: 'invalid_request_error',
        message:
          'You did not provide an API key. You need to provide your API key in the ' +
          "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
    }
    const match = /^Bearer (\S+)$/.exec(authorization);
    if (!match || match[1] !== this.secretKey) {
      throw new StripeHttpError(401, {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${redactKey(match ? match[1] : authorization)}`,
      });
    }
  }

  private route(method: string, url: URL, headers: IncomingHttpHeaders, body: string): Reply {
    const path = url.pathname;
    const query = () => parseStripeParams(url.search.slice(1));
    if (path === '/v1/payment_intents' && method === 'POST') {
      return this.createPaymentIntent(headers, body);
    }
    const piMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (piMatch && method === 'GET') return this.retrievePaymentIntent(piMatch[1], query());
    if (path === '/v1/events' && method === 'GET') return ok(this.listEvents(query()));
    const evtMatch = /^\/v1\/events\/([^/]+)$/.exec(path);
    if (evtMatch && method === 'GET') return this.retrieveEvent(evtMatch[1], query());
    throw new StripeHttpError(404, {
      type: 'invalid_request_error',
      message:
        `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs ` +
        'or we can help at https://support.stripe.com/.',
    });
  }

  private createPaymentIntent(headers: IncomingHttpHeaders, body: string): Reply {
    if (!isFormEncoded(headers)) {
      throw invalidRequest(
        `Invalid request: POST bodies must be application/x-www-form-urlencoded, got ` +
          `Content-Type ${JSON.stringify(headerValue(headers, 'content-type') ?? null)}.`,
      );
    }
    const params = parseStripeParams(body);
    const key = this.requireIdempotencyKey(headers);
    const endpoint = 'POST /v1/payment_intents';
    const fingerprint = canonicalJson(params);

    const previous = this.idempotency.get(key);
    if (previous) {
      if (previous.endpoint !== endpoint) {
        throw new StripeHttpError(400, {
          type: 'idempotency_error',
          message:
            `Keys for idempotent requests can only be used for the same endpoint they were first ` +
            `used for ('${previous.endpoint}'). Try using a key other than '${key}' if you meant ` +
            'to execute a different request.',
        });
      }
      if (previous.fingerprint !== fingerprint) {
        throw new StripeHttpError(400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were ' +
            `first used with. Try using a key other than '${key}' if you meant to execute a ` +
            'different request.',
        });
      }
      return {
        status: previous.status,
        body: previous.body,
        headers: {
          'idempotency-key': key,
          'idempotent-replayed': 'true',
          'original-request': previous.requestId,
        },
      };
    }

    const pi = buildPaymentIntent(validatePaymentIntentCreate(params));
    this.paymentIntents.set(pi.id, pi);
    const requestId = `req_${randomId()}`;
    const replyBody = JSON.stringify(pi);
    this.idempotency.set(key, { endpoint, fingerprint, status: 200, body: replyBody, requestId });
    return {
      status: 200,
      body: replyBody,
      headers: { 'idempotency-key': key, 'original-request': requestId },
    };
  }

  private requireIdempotencyKey(headers: IncomingHttpHeaders): string {
    const key = headerValue(headers, 'idempotency-key');
    if (!key) {
      throw invalidRequest(
        'FakeStripeApi requires an Idempotency-Key header on this request: our code must ' +
          'always send one (pass { idempotencyKey } as the stripe request options).',
      );
    }
    if (key.startsWith(STRIPE_NODE_AUTO_KEY_PREFIX) && !this.acceptAutoIdempotencyKeys) {
      throw invalidRequest(
        `FakeStripeApi requires an explicit Idempotency-Key; '${key}' was generated by ` +
          'stripe-node because the caller passed none (pass { idempotencyKey } as the stripe ' +
          'request options).',
      );
    }
    if (key.length > 255) {
      throw invalidRequest(
        `Invalid Idempotency-Key: must be at most 255 characters long, got ${key.length}.`,
      );
    }
    return key;
  }

  private retrievePaymentIntent(rawId: string, query: StripeParams): Reply {
    checkParams(query, ['client_secret', 'expand'], ['client_secret']);
    const id = decodeURIComponent(rawId);
    const pi = this.paymentIntents.get(id);
    if (!pi) throw resourceMissing(404, 'payment_intent', id, 'intent');
    return ok(pi);
  }

  private retrieveEvent(rawId: string, query: StripeParams): Reply {
    checkParams(query, ['expand'], []);
    const id = decodeURIComponent(rawId);
    const found = this.events.find((e) => e.event.id === id);
    if (!found) throw resourceMissing(404, 'event', id, 'id');
    return ok(found.event);
  }

  private listEvents(query: StripeParams): unknown {
    checkParams(
      query,
      [
        'created',
        'delivery_success',
        'ending_before',
        'expand',
        'limit',
        'starting_after',
        'type',
        'types',
      ],
      ['created', 'ending_before', 'limit', 'starting_after', 'type', 'types'],
    );
    const limit = query.limit === undefined ? 10 : parseInteger(query.limit, 'limit');
    if (limit < 1 || limit > 100) {
      throw invalidRequest(`Invalid limit: must be between 1 and 100, got ${limit}.`, 'limit');
    }
    const startingAfter = optionalString(query.starting_after, 'starting_after');
    const endingBefore = optionalString(query.ending_before, 'ending_before');
    if (startingAfter !== undefined && endingBefore !== undefined) {
      throw invalidRequest(
        'You may only specify one of these parameters: ending_before, starting_after.',
      );
    }
    const matchesCreated = createdFilter(query.created);
    const matchesType = typeFilter(query.type, query.types);

    // Newest first: by created desc, then by insertion order desc.
    const ordered = [...this.events].sort(
      (a, b) => b.event.created - a.event.created || b.seq - a.seq,
    );
    const cursorId = startingAfter ?? endingBefore;
    let cursor = -1;
    if (cursorId !== undefined) {
      cursor = ordered.findIndex((e) => e.event.id === cursorId);
      if (cursor < 0) {
        const param = startingAfter !== undefined ? 'starting_after' : 'ending_before';
        throw resourceMissing(400, 'event', cursorId, param);
      }
    }
    const matching = (e: { event: FakeStripeEvent }) =>
      matchesCreated(e.event.created) && matchesType(e.event.type);

    let page: FakeStripeEvent[];
    let hasMore: boolean;
    if (endingBefore !== undefined) {
      // The `limit` matching events just newer than the cursor, still listed newest first.
      const newer = ordered.slice(0, cursor).filter(matching);
      page = newer.slice(Math.max(0, newer.length - limit)).map((e) => e.event);
      hasMore = newer.length > limit;
    } else {
      const older = ordered.slice(cursor + 1).filter(matching);
      page = older.slice(0, limit).map((e) => e.event);
      hasMore = older.length > limit;
    }
    return { object: 'list', data: page, has_more: hasMore, url: '/v1/events' };
  }
}

interface IdempotentResult {
  endpoint: string;
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
}

interface Reply {
  status: number;
  body: string;
  headers: Record<string, string>;
}

interface StripeErrorBody {
  type: string;
  message: string;
  code?: string;
  param?: string;
}

class StripeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly error: StripeErrorBody,
  ) {
    super(error.message);
  }
}

function ok(value: unknown): Reply {
  return { status: 200, body: JSON.stringify(value), headers: {} };
}

function invalidRequest(message: string, param?: string, code?: string): StripeHttpError {
  return new StripeHttpError(400, {
    type: 'invalid_request_error',
    message,
    ...(code ? { code } : {}),
    ...(param ? { param } : {}),
  });
}

/** Stripe's answer for an id it does not know: 404 for a retrieve, 400 for a list's cursor. */
function resourceMissing(
  status: 400 | 404,
  object: string,
  id: string,
  param: string,
): StripeHttpError {
  return new StripeHttpError(status, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    param,
    message: `No such ${object}: '${id}'`,
  });
}

interface PaymentIntentCreate {
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  automatic_payment_methods: { enabled: boolean; allow_redirects?: string } | null;
  payment_method_types: string[] | null;
  description: string | null;
  customer: string | null;
  receipt_email: string | null;
  capture_method: string | null;
  setup_future_usage: string | null;
  statement_descriptor_suffix: string | null;
  transfer_group: string | null;
}

/** Top-level parameters of Stripe's PaymentIntentCreateParams (stripe@23.1.0 types). */
const PAYMENT_INTENT_CREATE_PARAMS = [
  'amount',
  'currency',
  'allowed_payment_method_types',
  'amount_details',
  'application_fee_amount',
  'automatic_payment_methods',
  'capture_method',
  'confirm',
  'confirmation_method',
  'confirmation_token',
  'customer',
  'customer_account',
  'description',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'expand',
  'hooks',
  'mandate',
  'mandate_data',
  'metadata',
  'off_session',
  'on_behalf_of',
  'payment_details',
  'payment_method',
  'payment_method_configuration',
  'payment_method_data',
  'payment_method_options',
  'radar_options',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_data',
  'transfer_group',
  'use_stripe_sdk',
];

function validatePaymentIntentCreate(params: StripeParams): PaymentIntentCreate {
  checkParams(params, PAYMENT_INTENT_CREATE_PARAMS, [
    'amount',
    'currency',
    'metadata',
    'automatic_payment_methods',
    'payment_method_types',
    'description',
    'customer',
    'receipt_email',
    'capture_method',
    'setup_future_usage',
    'statement_descriptor_suffix',
    'transfer_group',
  ]);
  for (const required of ['amount', 'currency']) {
    if (params[required] === undefined) {
      throw invalidRequest(`Missing required param: ${required}.`, required, 'parameter_missing');
    }
  }
  const amount = parseInteger(params.amount, 'amount');
  if (amount < 1) {
    throw invalidRequest(
      'This value must be greater than or equal to 1.',
      'amount',
      'parameter_invalid_integer',
    );
  }
  if (amount > 99_999_999) {
    throw invalidRequest('Amount must be no more than 99999999.', 'amount', 'amount_too_large');
  }
  const currency = params.currency;
  if (typeof currency !== 'string' || !/^[a-zA-Z]{3}$/.test(currency)) {
    throw invalidRequest(`Invalid currency: ${String(currency)}.`, 'currency');
  }

  const automatic = parseAutomaticPaymentMethods(params.automatic_payment_methods);
  const types = parsePaymentMethodTypes(params.payment_method_types);
  if (automatic?.enabled && types) {
    throw invalidRequest(
      'You may only specify one of these parameters: automatic_payment_methods, payment_method_types.',
    );
  }
  return {
    amount,
    currency: currency.toLowerCase(),
    metadata: parseMetadata(params.metadata),
    automatic_payment_methods: automatic,
    payment_method_types: types,
    description: optionalString(params.description, 'description') ?? null,
    customer: optionalString(params.customer, 'customer') ?? null,
    receipt_email: optionalString(params.receipt_email, 'receipt_email') ?? null,
    capture_method: optionalEnum(params.capture_method, 'capture_method', [
      'automatic',
      'automatic_async',
      'manual',
    ]),
    setup_future_usage: optionalEnum(params.setup_future_usage, 'setup_future_usage', [
      'off_session',
      'on_session',
    ]),
    statement_descriptor_suffix:
      optionalString(params.statement_descriptor_suffix, 'statement_descriptor_suffix') ?? null,
    transfer_group: optionalString(params.transfer_group, 'transfer_group') ?? null,
  };
}

function buildPaymentIntent(input: PaymentIntentCreate): FakePaymentIntent {
  const id = `pi_${randomId()}`;
  const automatic =
    input.automatic_payment_methods ?? (input.payment_method_types ? null : { enabled: true });
  return {
    ...paymentIntentFixture,
    id,
    object: 'payment_intent',
    amount: input.amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    automatic_payment_methods: automatic,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: input.capture_method ?? 'automatic_async',
    client_secret: `${id}_secret_${randomId()}`,
    confirmation_method: 'automatic',
    created: nowSeconds(),
    currency: input.currency,
    customer: input.customer,
    description: input.description,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: input.metadata,
    next_action: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: input.payment_method_types ?? ['card'],
    processing: null,
    receipt_email: input.receipt_email,
    setup_future_usage: input.setup_future_usage,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: input.statement_descriptor_suffix,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: input.transfer_group,
    managed_payments: null,
  };
}

function parseAutomaticPaymentMethods(
  value: StripeParamValue | undefined,
): PaymentIntentCreate['automatic_payment_methods'] {
  if (value === undefined) return null;
  const object = requireObject(value, 'automatic_payment_methods');
  checkParams(object, ['enabled', 'allow_redirects'], ['enabled', 'allow_redirects'], {
    prefix: 'automatic_payment_methods',
  });
  if (object.enabled === undefined) {
    throw invalidRequest(
      'Missing required param: automatic_payment_methods[enabled].',
      'automatic_payment_methods[enabled]',
      'parameter_missing',
    );
  }
  const enabled = parseBoolean(object.enabled, 'automatic_payment_methods[enabled]');
  const allowRedirects = optionalEnum(
    object.allow_redirects,
    'automatic_payment_methods[allow_redirects]',
    ['always', 'never'],
  );
  return allowRedirects ? { enabled, allow_redirects: allowRedirects } : { enabled };
}

function parsePaymentMethodTypes(value: StripeParamValue | undefined): string[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string' || t === '')) {
    throw invalidRequest(
      'Invalid array: payment_method_types must be an array of strings.',
      'payment_method_types',
    );
  }
  return value as string[];
}

function parseMetadata(value: StripeParamValue | undefined): Record<string, string> {
  if (value === undefined || value === '') return {};
  const object = requireObject(value, 'metadata');
  const entries = Object.entries(object);
  if (entries.length > 50) {
    throw invalidRequest('Metadata can have at most 50 keys.', 'metadata');
  }
  const metadata: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (typeof v !== 'string') {
      throw invalidRequest(
        `Invalid value for metadata[${key}]: metadata values must be strings.`,
        `metadata[${key}]`,
      );
    }
    if (key.length > 40) {
      throw invalidRequest(
        `Metadata keys can have at most 40 characters; '${key}' has ${key.length}.`,
        `metadata[${key}]`,
      );
    }
    if (v.length > 500) {
      throw invalidRequest(
        `Metadata values can have at most 500 characters; metadata[${key}] has ${v.length}.`,
        `metadata[${key}]`,
      );
    }
    metadata[key] = v;
  }
  return metadata;
}

function createdFilter(value: StripeParamValue | undefined): (created: number) => boolean {
  if (value === undefined) return () => true;
  if (typeof value === 'string') {
    const exact = parseInteger(value, 'created');
    return (created) => created === exact;
  }
  const range = requireObject(value, 'created');
  checkParams(range, ['gt', 'gte', 'lt', 'lte'], ['gt', 'gte', 'lt', 'lte'], { prefix: 'created' });
  const bound = (name: string) =>
    range[name] === undefined ? undefined : parseInteger(range[name], `created[${name}]`);
  const gt = bound('gt');
  const gte = bound('gte');
  const lt = bound('lt');
  const lte = bound('lte');
  return (created) =>
    (gt === undefined || created > gt) &&
    (gte === undefined || created >= gte) &&
    (lt === undefined || created < lt) &&
    (lte === undefined || created <= lte);
}

function typeFilter(
  type: StripeParamValue | undefined,
  types: StripeParamValue | undefined,
): (eventType: string) => boolean {
  if (type !== undefined && types !== undefined) {
    throw invalidRequest('You may only specify one of these parameters: type, types.');
  }
  let patterns: string[];
  if (type !== undefined) {
    patterns = [optionalString(type, 'type') as string];
  } else if (types !== undefined) {
    if (!Array.isArray(types) || types.some((t) => typeof t !== 'string')) {
      throw invalidRequest('Invalid array: types must be an array of strings.', 'types');
    }
    if (types.length > MAX_EVENTS_TYPES) {
      throw invalidRequest(`types can have at most ${MAX_EVENTS_TYPES} entries.`, 'types');
    }
    patterns = types as string[];
  } else {
    return () => true;
  }
  // Stripe accepts `*` as a wildcard, e.g. `payment_intent.*`.
  const regexes = patterns.map((p) => new RegExp(`^${p.split('*').map(escapeRegExp).join('.*')}$`));
  return (eventType) => regexes.some((r) => r.test(eventType));
}

/**
 * Refuses names Stripe does not know ("Received unknown parameter") and, separately, real Stripe
 * parameters this fake does not implement, so that nothing our code sends is silently ignored.
 */
function checkParams(
  params: StripeParams,
  known: readonly string[],
  supported: readonly string[],
  { prefix }: { prefix?: string } = {},
): void {
  for (const name of Object.keys(params)) {
    const full = prefix ? `${prefix}[${name}]` : name;
    if (!known.includes(name)) {
      throw invalidRequest(`Received unknown parameter: ${full}`, full, 'parameter_unknown');
    }
    if (!supported.includes(name)) {
      throw invalidRequest(
        `FakeStripeApi does not implement the Stripe parameter '${full}' on this endpoint; ` +
          'extend the fake if our code needs it.',
        full,
      );
    }
  }
}

function requireObject(value: StripeParamValue, param: string): StripeParams {
  if (typeof value === 'string' || Array.isArray(value)) {
    throw invalidRequest(`Invalid object: ${param} must be a hash (${param}[key]=value).`, param);
  }
  return value;
}

function parseInteger(value: StripeParamValue, param: string): number {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value) || !Number.isSafeInteger(+value)) {
    throw invalidRequest(
      `Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`,
      param,
      'parameter_invalid_integer',
    );
  }
  return Number(value);
}

function parseBoolean(value: StripeParamValue, param: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${JSON.stringify(value)}`, param);
}

function optionalString(value: StripeParamValue | undefined, param: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${param}`, param);
  return value;
}

function optionalEnum(
  value: StripeParamValue | undefined,
  param: string,
  allowed: readonly string[],
): string | null {
  const s = optionalString(value, param);
  if (s === undefined) return null;
  if (!allowed.includes(s)) {
    throw invalidRequest(`Invalid ${param}: must be one of ${allowed.join(', ')}`, param);
  }
  return s;
}

type DraftNode = { kind: 'object' | 'array'; entries: Map<string, DraftNode | string> };

/**
 * Parses Stripe's form encoding (`metadata[order_id]=o-1&types[0]=a&types[1]=b`) into nested
 * objects and arrays, like the `qs` package does for Stripe, but strictly: a name given twice or
 * used both as a value and as a container is refused instead of merged.
 */
function parseStripeParams(encoded: string): StripeParams {
  const root: DraftNode = { kind: 'object', entries: new Map() };
  for (const [name, value] of new URLSearchParams(encoded)) {
    const segments = splitParamName(name);
    let node = root;
    segments.forEach((segment, i) => {
      const key = node.kind === 'array' && segment === '' ? String(node.entries.size) : segment;
      const existing = node.entries.get(key);
      if (i === segments.length - 1) {
        if (existing !== undefined) throw invalidRequest(`Duplicate parameter: ${name}`, name);
        node.entries.set(key, value);
        return;
      }
      const kind = /^\d*$/.test(segments[i + 1]) ? 'array' : 'object';
      if (existing === undefined) {
        const child: DraftNode = { kind, entries: new Map() };
        node.entries.set(key, child);
        node = child;
      } else if (typeof existing === 'string' || existing.kind !== kind) {
        throw invalidRequest(`Invalid parameter: ${name} conflicts with another parameter`, name);
      } else {
        node = existing;
      }
    });
  }
  return finishDraft(root) as StripeParams;
}

function splitParamName(name: string): string[] {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) throw invalidRequest(`Invalid parameter name: ${name}`, name);
  return [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])];
}

function finishDraft(node: DraftNode): StripeParamValue {
  const finish = (v: DraftNode | string) => (typeof v === 'string' ? v : finishDraft(v));
  if (node.kind === 'array') {
    return [...node.entries.entries()]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, v]) => finish(v));
  }
  // Object.fromEntries defines own properties, so a `__proto__` parameter cannot pollute.
  return Object.fromEntries([...node.entries.entries()].map(([k, v]) => [k, finish(v)]));
}

function canonicalJson(value: StripeParamValue): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

function isFormEncoded(headers: IncomingHttpHeaders): boolean {
  const contentType = headerValue(headers, 'content-type') ?? '';
  return contentType.split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function redactKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}${'*'.repeat(key.length - 12)}${key.slice(-4)}`;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function randomId(): string {
  return randomBytes(12).toString('base64url').replace(/[-_]/g, 'x');
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
