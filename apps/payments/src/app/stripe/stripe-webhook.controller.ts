import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import {
  ApiError,
  ApiRoute,
  findUnstorableText,
  InvalidJsonBody,
  issueMessages,
  SERVER_ERRORS,
  SERVICE_CONFIG,
} from '@switchyard/service';
import { SignatureVerificationError, StripeSignatureVerifier } from '@switchyard/signing';
import { type FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { z } from 'zod';
import { type PaymentsConfig } from '../payments-env';
import { type VerifiedStripeEvent } from './stripe-events.repository';
import { StoreStripeEventUseCase } from './store-stripe-event.usecase';
import { markCounted } from './stripe-intake.hooks';
import { stripeWebhooksTotal } from './stripe-intake.metrics';
import { WebhookReceivedResponse } from './stripe-webhook.response';

/** The verifier's refusals of a request; `invalid_secret` is refused at boot, by the config. */
const SIGNATURE_CODES = [
  'missing_header',
  'malformed_header',
  'timestamp_too_old',
  'timestamp_in_future',
  'no_matching_signature',
] as const satisfies readonly SignatureVerificationError['code'][];

/** What every Stripe event has; `created` is a Unix time in seconds (the table is partitioned by it). */
const StripeEventEnvelope = z.object({
  // Stripe's ids are at most 255 characters; a longer one would not fit the primary key's index.
  id: z
    .string()
    .max(255)
    .regex(/^evt_\w+$/, 'must be a Stripe event id ("evt_…")'),
  type: z.string().min(1),
  created: z
    .number()
    .int()
    .min(0)
    .max(253_402_300_799, 'must be a Unix time in seconds, before the year 10000'),
  livemode: z.boolean(),
});

/** The event's envelope, or what makes the body something other than a storable Stripe event. */
function asStripeEvent(
  body: unknown,
): { event: Omit<VerifiedStripeEvent, 'payload'> } | { problem: string } {
  const parsed = StripeEventEnvelope.safeParse(body, { error: issueMessages('body') });
  if (!parsed.success) {
    return {
      problem: parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message))
        .join('; '),
    };
  }
  // Postgres stores the payload as jsonb, which cannot hold NUL or unpaired surrogates.
  const [text] = findUnstorableText(body, 1);
  if (text) return { problem: `${text.path.join('.') || '(body)'} ${text.message}` };
  const { id, type, created, livemode } = parsed.data;
  return { event: { id, type, created, livemode } };
}

/**
 * Stripe's webhook intake: verify over the raw bytes, store once, answer. Processing happens
 * afterwards, so Stripe gets its 2xx in milliseconds and a slow downstream never causes retries.
 * Every refusal is a 4xx with a machine-readable code, stores nothing, and is counted.
 */
@Controller('webhooks/stripe')
export class StripeWebhookController {
  private readonly verifier: StripeSignatureVerifier;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly storeEvent: StoreStripeEventUseCase,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeWebhookController.name);
    this.verifier = new StripeSignatureVerifier(config.STRIPE_WEBHOOK_SECRETS);
  }

  @Post()
  @HttpCode(200)
  @ApiRoute({
    summary: "Stripe's webhook: verified over the raw body, stored once, processed afterwards",
    headers: [
      {
        name: 'Stripe-Signature',
        description: 'Stripe signs every event with the endpoint secret (STRIPE_WEBHOOK_SECRETS)',
        schema: z.string(),
      },
    ],
    body: StripeEventEnvelope,
    response: {
      status: 200,
      description: 'Stored (or stored before)',
      schema: WebhookReceivedResponse,
    },
    errors: [
      { status: 400, code: 'missing_body', when: 'the request has no body' },
      ...SIGNATURE_CODES.map((code) => ({
        status: 400,
        code: `signature_${code}`,
        when: 'the Stripe-Signature header does not verify the body',
      })),
      { status: 400, code: 'invalid_json', when: 'the signed body is not JSON' },
      { status: 400, code: 'invalid_event', when: 'the signed body is not a Stripe event' },
      { status: 413, code: 'payload_too_large', when: 'the body is larger than 1 MB' },
      { status: 415, code: 'unsupported_media_type', when: 'the body is not application/json' },
      ...SERVER_ERRORS,
    ],
  })
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<WebhookReceivedResponse> {
    markCounted(request);
    if (!contentType?.toLowerCase().startsWith('application/json')) {
      throw this.reject(
        415,
        'unsupported_media_type',
        'Stripe sends application/json; post the event body as is',
      );
    }
    const raw = request.rawBody;
    if (!raw || raw.length === 0) throw this.reject(400, 'missing_body', 'The request has no body');
    try {
      this.verifier.verify(signature, raw, {
        toleranceSeconds: this.config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      });
    } catch (err) {
      if (err instanceof SignatureVerificationError)
        throw this.reject(400, `signature_${err.code}`, err.message);
      throw err;
    }
    if (request.body instanceof InvalidJsonBody) {
      throw this.reject(400, 'invalid_json', `The signed body is not JSON: ${request.body.reason}`);
    }
    const checked = asStripeEvent(request.body);
    if ('problem' in checked) {
      throw this.reject(
        400,
        'invalid_event',
        `The body is signed but is not a Stripe event: it needs id ("evt_…"), type, created and livemode (${checked.problem})`,
      );
    }
    const { event } = checked;
    const outcome = await this.storeEvent.execute(
      // The body parsed, passed the checks above, and is what was signed: its text is storable.
      { ...event, payload: request.body, payloadJson: raw.toString('utf8') },
      'webhook',
    );
    stripeWebhooksTotal.inc({ outcome, code: '' });
    this.logger.info(
      { stripeEventId: event.id, type: event.type, outcome },
      'Stripe event received',
    );
    return { received: true, duplicate: outcome === 'duplicate' };
  }

  private reject(status: number, code: string, message: string): ApiError {
    stripeWebhooksTotal.inc({ outcome: 'rejected', code });
    this.logger.warn({ code }, 'Stripe webhook rejected');
    return new ApiError(status, code, message);
  }
}
