import { Inject, Injectable } from '@nestjs/common';
import { type DomainEvent } from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { PaymentsRepository } from '../processing/payments.repository';
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
    private readonly payments: PaymentsRepository,
    @Inject(STRIPE_API) private readonly stripe: StripeApi | null,
  ) {}

  async execute(manager: EntityManager, event: DomainEvent<'order.created'>): Promise<void> {
    if (!this.stripe) return;
    const { orderId, amountTotal, currency } = event.data;
    if (await this.payments.hasPaymentIntentFor(manager, orderId)) return;
    const intent = await this.stripe.createPaymentIntent(
      { orderId, amount: amountTotal, currency },
      orderId,
    );
    await this.payments.addPaymentIntent(manager, { orderId, ...intent });
  }
}
