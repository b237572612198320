import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext } from '@switchyard/service';
import { PushFanOutUseCase } from '../push/push-fan-out.usecase';
import { FanOutUseCase } from './fan-out.usecase';

/**
 * Every order and payment event may interest a partner, and an order's customer: fan it out to
 * partners' endpoints and to the customer's devices, once (the inbox transaction).
 */
@EventHandlers()
export class PartnerEventsHandler {
  constructor(
    private readonly fanOut: FanOutUseCase,
    private readonly pushFanOut: PushFanOutUseCase,
  ) {}

  @EventPattern('*')
  async onEvent(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    await this.fanOut.execute(context.manager, event);
    await this.pushFanOut.execute(context.manager, event);
  }
}
