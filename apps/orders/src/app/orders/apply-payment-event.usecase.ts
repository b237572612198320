import { Inject, Injectable } from '@nestjs/common';
import { createEvent, type DomainEvent } from '@switchyard/contracts';
import { appendToOutbox, childTraceparent, UnprocessableEventError } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { OrderEntity } from './order.entity';
import { nextStatus } from './order-state';

/**
 * Applies a payment event to its order inside the inbox transaction. Re-applying an event the
 * order already reflects is a no-op, so the same payment seen twice changes nothing.
 */
@Injectable()
export class ApplyPaymentEventUseCase {
  constructor(@Inject(SERVICE_CONFIG) private readonly config: CommonEnv) {}

  async execute(manager: EntityManager, event: DomainEvent): Promise<void> {
    if (event.type !== 'payment.succeeded') return;
    const { data } = event as DomainEvent<'payment.succeeded'>;
    const order = await manager.findOne(OrderEntity, {
      where: { id: data.orderId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!order) {
      throw new UnprocessableEventError(
        'unknown_order',
        `payment.succeeded ${event.id} names order ${data.orderId}, which does not exist`,
      );
    }
    if (order.status === 'paid' && order.paymentIntentId === data.paymentIntentId) return;
    order.status = nextStatus(order.status, 'pay');
    order.version += 1;
    order.paymentIntentId = data.paymentIntentId;
    await manager.save(order);
    const paid = createEvent(
      'order.paid',
      order.id,
      {
        orderId: order.id,
        amount: data.amount,
        currency: data.currency,
        paymentIntentId: data.paymentIntentId,
        paidAt: event.occurredAt,
      },
      { traceparent: childTraceparent(event.traceparent) },
    );
    await appendToOutbox(manager, this.config.DB_SCHEMA, [paid]);
  }
}
