import { Controller, Headers, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiError, InvalidJsonBody, SERVICE_CONFIG } from '@switchyard/service';
import { SignatureVerificationError, StripeSignatureVerifier } from '@switchyard/signing';
import { type FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { type PaymentsConfig } from '../payments-env';
import { StripeEventStore, type VerifiedStripeEvent } from './stripe-event.store';
import { markCounted } from './stripe-intake.hooks';
import { stripeWebhooksTotal } from './stripe-intake.metrics';

function asStripeEvent(body: unknown): Omit<VerifiedStripeEvent, 'payload'> | null {
  const b = body as Partial<VerifiedStripeEvent> | null;
  const valid =
    typeof b === 'object' &&
    b !== null &&
    typeof b.id === 'string' &&
    /^evt_\w+$/.test(b.id) &&
    typeof b.type === 'string' &&
    typeof b.created === 'number' &&
    typeof b.livemode === 'boolean';
  return valid
    ? {
        id: b.id as string,
        type: b.type as string,
        created: b.created as number,
        livemode: b.livemode as boolean,
      }
    : null;
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
    private readonly store: StripeEventStore,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeWebhookController.name);
    this.verifier = new StripeSignatureVerifier(config.STRIPE_WEBHOOK_SECRETS);
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest,
    @Headers('stripe-signature') signature: string | undefined,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<{ received: true; duplicate: boolean }> {
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
    const event = asStripeEvent(request.body);
    if (!event) {
      throw this.reject(
        400,
        'invalid_event',
        'The body is signed but is not a Stripe event: it needs id ("evt_…"), type, created and livemode',
      );
    }
    const outcome = await this.store.store({ ...event, payload: request.body }, 'webhook');
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
