import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext } from '@switchyard/service';
import { FanOutUseCase } from './fan-out.usecase';

/** Every order and payment event may interest a partner: fan it out, once (the inbox transaction). */
@EventHandlers()
export class PartnerEventsHandler {
  constructor(private readonly fanOut: FanOutUseCase) {}

  @EventPattern('*')
  async onEvent(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    await this.fanOut.execute(context.manager, event);
  }
}
