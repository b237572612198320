import { Inject, Injectable } from '@nestjs/common';
import { type DomainEvent } from '@switchyard/contracts';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type PaymentsConfig } from '../payments-env';
import { type StripeApi } from '../stripe/stripe-api';
import { STRIPE_API } from '../stripe/stripe-api.provider';

/**
 * Creates the order's PaymentIntent. Runs in the inbox transaction of `order.created`; Stripe's
 * idempotency key is the order id, so a redelivered event or a retry after a failed commit gets
 * the same PaymentIntent back instead of a second one.
 */
@Injectable()
export class CreatePaymentIntentUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: PaymentsConfig,
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
  ) {}

  async execute(manager: EntityManager, event: DomainEvent<'order.created'>): Promise<void> {
    if (!this.stripe) return;
    const { orderId, amountTotal, currency } = event.data;
    const schema = `"${this.config.DB_SCHEMA}"`;
    const [existing] = await manager.query(
      `SELECT 1 FROM ${schema}.payment_intents WHERE order_id = $1`,
      [orderId],
    );
    if (existing) return;
    const intent = await this.stripe.createPaymentIntent(
      { orderId, amount: amountTotal, currency },
      orderId,
    );
    await manager.query(
      `INSERT INTO ${schema}.payment_intents (order_id, id, client_secret, amount, currency) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (order_id) DO NOTHING`,
      [orderId, intent.id, intent.clientSecret, intent.amount, intent.currency],
    );
  }
}
