import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext } from '@switchyard/service';
import { CreatePaymentIntentUseCase } from './create-payment-intent.usecase';

/**
 * A new order gets its PaymentIntent at Stripe, once (the inbox transaction). Registered only
 * when payments has a Stripe secret key (see AppModule).
 */
@EventHandlers()
export class OrderEventsHandler {
  constructor(private readonly createPaymentIntent: CreatePaymentIntentUseCase) {}

  @EventPattern('order.created')
  async onOrderCreated(
    @Payload() event: DomainEvent<'order.created'>,
    @Ctx() context: InboxContext,
  ): Promise<void> {
    await this.createPaymentIntent.execute(context.manager, event);
  }
}
