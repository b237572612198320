import {
  Controller,
  Headers,
  HttpCode,
  Inject,
  Post,
  type RawBodyRequest,
  Req,
} from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { SignatureVerificationError, StripeSignatureVerifier } from '@switchyard/signing';
import { type FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { type PaymentsConfig } from '../payments-env';
import { StripeEventProcessor } from './stripe-event.processor';
import { StripeEventStore } from './stripe-event.store';

interface StripeEventHead {
  id: string;
  type: string;
  livemode: boolean;
}

function isStripeEvent(body: unknown): body is StripeEventHead {
  const b = body as Partial<StripeEventHead> | null;
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.id === 'string' &&
    b.id.startsWith('evt_') &&
    typeof b.type === 'string' &&
    typeof b.livemode === 'boolean'
  );
}

/**
 * Stripe's webhook intake: verify over the raw bytes, store once, answer. Processing happens
 * afterwards, so Stripe gets its 2xx in milliseconds and a slow downstream never causes retries.
 */
@Controller('webhooks/stripe')
export class StripeWebhookController {
  private readonly verifier: StripeSignatureVerifier;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    private readonly store: StripeEventStore,
    private readonly processor: StripeEventProcessor,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(StripeWebhookController.name);
    this.verifier = new StripeSignatureVerifier(config.STRIPE_WEBHOOK_SECRETS);
  }

  @Post()
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('stripe-signature') signature: string | undefined,
    @Headers('content-type') contentType: string | undefined,
  ): Promise<{ received: true; duplicate: boolean }> {
    if (!contentType?.toLowerCase().startsWith('application/json')) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        'Stripe sends application/json; send the event body as is',
      );
    }
    const raw = request.rawBody;
    if (!raw) throw new ApiError(400, 'missing_body', 'The request has no body');
    try {
      this.verifier.verify(signature, raw, {
        toleranceSeconds: this.config.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
      });
    } catch (err) {
      if (err instanceof SignatureVerificationError) {
        this.logger.warn({ code: err.code }, 'rejected a Stripe webhook with a bad signature');
        throw new ApiError(400, `signature_${err.code}`, err.message);
      }
      throw err;
    }
    const event: unknown = request.body;
    if (!isStripeEvent(event)) {
      throw new ApiError(
        400,
        'invalid_event',
        'The body is signed but is not a Stripe event (needs id "evt_…", type, livemode)',
      );
    }
    const outcome = await this.store.store({ ...event, payload: event });
    this.logger.info(
      { stripeEventId: event.id, type: event.type, outcome },
      'Stripe event received',
    );
    if (outcome === 'stored') this.processor.wake();
    return { received: true, duplicate: outcome === 'duplicate' };
  }
}
