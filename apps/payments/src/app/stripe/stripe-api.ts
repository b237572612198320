import { DependencyUnavailableError } from '@switchyard/retry';
import Stripe from 'stripe';

/** The PaymentIntent fields we use, so Stripe's types stay behind this file. */
export interface CreatedPaymentIntent {
  readonly id: string;
  readonly clientSecret: string;
  readonly amount: number;
  readonly currency: string;
}

export interface StripeEventRecord {
  readonly id: string;
  readonly type: string;
  readonly created: number;
  readonly livemode: boolean;
  readonly payload: unknown;
}

/** What payments asks of Stripe's API; tests point it at the fake in libs/testing. */
export class StripeApi {
  private readonly stripe: Stripe;

  constructor(secretKey: string, baseUrl: string) {
    const url = new URL(baseUrl);
    this.stripe = new Stripe(secretKey, {
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
      protocol: url.protocol === 'https:' ? 'https' : 'http',
      maxNetworkRetries: 2,
      timeout: 10_000,
      telemetry: false,
      appInfo: { name: 'Switchyard' },
    });
  }

  /** Stripe returns the same PaymentIntent for the same idempotency key: retries are safe. */
  async createPaymentIntent(
    input: { orderId: string; amount: number; currency: string },
    idempotencyKey: string,
  ): Promise<CreatedPaymentIntent> {
    const intent = await this.stripe.paymentIntents
      .create(
        {
          amount: input.amount,
          currency: input.currency,
          metadata: { order_id: input.orderId },
          automatic_payment_methods: { enabled: true },
        },
        { idempotencyKey },
      )
      .catch(asOutage);
    if (!intent.client_secret)
      throw new Error(`PaymentIntent ${intent.id} came back without a client secret`);
    return {
      id: intent.id,
      clientSecret: intent.client_secret,
      amount: intent.amount,
      currency: intent.currency,
    };
  }

  /** Every event created at or after `createdGte`, all pages. */
  async *eventsSince(createdGte: number): AsyncGenerator<StripeEventRecord> {
    for await (const event of this.stripe.events.list({
      created: { gte: createdGte },
      limit: 100,
    })) {
      yield {
        id: event.id,
        type: event.type,
        created: event.created,
        livemode: event.livemode,
        payload: event,
      };
    }
  }
}

/**
 * Stripe unreachable, rate-limiting or failing on its side is an outage, not a bad order: the
 * consumer then waits for Stripe instead of dead-lettering `order.created`.
 */
function asOutage(err: unknown): never {
  const transient =
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    (err instanceof Stripe.errors.StripeAPIError && (err.statusCode ?? 500) >= 500);
  if (transient) {
    throw new DependencyUnavailableError('stripe', `Stripe API: ${(err as Error).message}`, {
      cause: err,
    });
  }
  throw err;
}
