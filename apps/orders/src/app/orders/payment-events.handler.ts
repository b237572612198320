import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext, WRITES_OWN_INBOX_ROW } from '@switchyard/service';
import { ApplyPaymentEventUseCase } from './apply-payment-event.usecase';

/**
 * Payment events move orders through their lifecycle, once each. An event that arrives alone is
 * written with its inbox row in one statement, if its order did not change since it was read; a
 * batch of several is applied in one inbox transaction, its orders locked.
 */
@EventHandlers()
export class PaymentEventsHandler {
  constructor(private readonly applyPaymentEvent: ApplyPaymentEventUseCase) {}

  @EventPattern('payment.*', WRITES_OWN_INBOX_ROW)
  async onPaymentEvent(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    const row = context.inboxRow;
    if (row) return this.applyPaymentEvent.executeAlone(context.manager, event, row);
    await this.applyPaymentEvent.execute(context.manager, event, context.batch);
  }
}
