import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext } from '@switchyard/service';
import { ApplyPaymentEventUseCase } from './apply-payment-event.usecase';

/** Payment events move orders through their lifecycle, once each (the inbox transaction). */
@EventHandlers()
export class PaymentEventsHandler {
  constructor(private readonly applyPaymentEvent: ApplyPaymentEventUseCase) {}

  @EventPattern('payment.*')
  async onPaymentEvent(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    await this.applyPaymentEvent.execute(context.manager, event, context.batch);
  }
}
