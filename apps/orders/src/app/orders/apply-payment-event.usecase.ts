import { Injectable } from '@nestjs/common';
import { type DomainEvent } from '@switchyard/contracts';
import { traceparentForNewEvent, UnprocessableEventError } from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';
import { OrderRepository } from './order.repository';
import { OrderNotFoundError } from './order-not-found.error';
import { type OrderStatus, IllegalTransitionError } from './order-state';
import { OrderTransition } from './order-transition';

const SETTLED: readonly OrderStatus[] = ['paid', 'fulfilled', 'refunded', 'partially_refunded'];

/**
 * Applies a payment event to its order inside the inbox transaction. An event the order already
 * reflects, or a failure reported after the order was paid, changes nothing; an event the order
 * cannot take (a payment for a cancelled order) is dead-lettered with the reason for a human.
 */
@Injectable()
export class ApplyPaymentEventUseCase {
  constructor(
    private readonly orders: OrderRepository,
    private readonly transition: OrderTransition,
  ) {}

  /**
   * `batch` is every event the inbox transaction applies: their orders are locked together at the
   * first, in one statement rather than one per event.
   */
  async execute(
    manager: EntityManager,
    event: DomainEvent,
    batch: readonly DomainEvent[] = [event],
  ): Promise<void> {
    if (!isPaymentEvent(event)) return;
    const orderId = orderIdOf(event);
    try {
      await this.apply(manager, event, orderId, () => batch.filter(isPaymentEvent).map(orderIdOf));
    } catch (err) {
      if (err instanceof OrderNotFoundError) {
        throw new UnprocessableEventError(
          'unknown_order',
          `${event.type} ${event.id} names order ${orderId}, which does not exist`,
        );
      }
      if (err instanceof IllegalTransitionError) {
        throw new UnprocessableEventError(
          'illegal_transition',
          `${event.type} ${event.id}: ${err.message}`,
        );
      }
      throw err;
    }
  }

  private async apply(
    manager: EntityManager,
    event: DomainEvent,
    orderId: string,
    batchOrderIds: () => readonly string[],
  ): Promise<void> {
    const traceparent = traceparentForNewEvent(event.traceparent);
    const order = await this.orders.lock(manager, orderId, batchOrderIds);
    switch (event.type) {
      case 'payment.succeeded': {
        const { data } = event as DomainEvent<'payment.succeeded'>;
        if (SETTLED.includes(order.status)) return;
        order.paymentIntentId = data.paymentIntentId;
        await this.transition.apply(manager, order, 'pay', {
          type: 'order.paid',
          data: {
            orderId,
            amount: data.amount,
            currency: data.currency,
            paymentIntentId: data.paymentIntentId,
            paidAt: event.occurredAt,
          },
          traceparent,
        });
        return;
      }
      case 'payment.failed': {
        const { data } = event as DomainEvent<'payment.failed'>;
        if (SETTLED.includes(order.status) || order.status === 'cancelled') return;
        await this.transition.apply(manager, order, 'fail_payment', {
          type: 'order.payment_failed',
          data: {
            orderId,
            paymentIntentId: data.paymentIntentId,
            failureCode: data.failureCode,
            failureMessage: data.failureMessage,
          },
          traceparent,
        });
        return;
      }
      case 'payment.refunded': {
        const { data } = event as DomainEvent<'payment.refunded'>;
        if (data.amountRefunded <= order.amountRefunded) return;
        order.amountRefunded = data.amountRefunded;
        await this.transition.apply(
          manager,
          order,
          data.fullyRefunded ? 'refund' : 'refund_partially',
          {
            type: 'order.refunded',
            data: {
              orderId,
              amountRefunded: data.amountRefunded,
              currency: data.currency,
              fullyRefunded: data.fullyRefunded,
            },
            traceparent,
          },
        );
        return;
      }
      default:
        // payment.disputed: the order does not change; notifications tells the partner.
        return;
    }
  }
}

function isPaymentEvent(event: DomainEvent): boolean {
  return event.type.startsWith('payment.');
}

function orderIdOf(event: DomainEvent): string {
  return (event.data as { orderId: string }).orderId;
}
