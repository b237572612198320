import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { type DomainEvent } from '@switchyard/contracts';
import { EventHandlers, InboxContext, WRITES_OWN_INBOX_ROW } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { PushFanOutUseCase } from '../push/push-fan-out.usecase';
import { FanOutUseCase } from './fan-out.usecase';

/**
 * Every order and payment event may interest a partner, and an order's customer: fan it out to
 * partners' endpoints and to the customer's devices, once. An event that arrives alone and makes
 * no push is fanned out in one statement that also writes its inbox row (no transaction: a read
 * and a write where the inbox transaction made five round trips); otherwise in the inbox
 * transaction.
 */
@EventHandlers()
export class PartnerEventsHandler {
  constructor(
    private readonly fanOut: FanOutUseCase,
    private readonly pushFanOut: PushFanOutUseCase,
  ) {}

  @EventPattern('*', WRITES_OWN_INBOX_ROW)
  async onEvent(@Payload() event: DomainEvent, @Ctx() context: InboxContext): Promise<void> {
    const row = context.inboxRow;
    if (!row) return this.fanOutBoth(context.manager, event);
    if (!this.pushFanOut.mayPush(event)) {
      await this.fanOut.execute(context.manager, event, row);
      return;
    }
    await row.transaction((manager) => this.fanOutBoth(manager, event));
  }

  private async fanOutBoth(manager: EntityManager, event: DomainEvent): Promise<void> {
    await this.fanOut.execute(manager, event);
    await this.pushFanOut.execute(manager, event);
  }
}
