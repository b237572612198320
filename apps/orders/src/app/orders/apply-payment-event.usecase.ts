import { Injectable } from '@nestjs/common';
import { type DomainEvent, type EventData } from '@switchyard/contracts';
import {
  type InboxRow,
  traceparentForNewEvent,
  UnprocessableEventError,
} from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { OrderNotFoundError } from './order-not-found.error';
import {
  canTake,
  IllegalTransitionError,
  type OrderCommand,
  type OrderStatus,
} from './order-state';
import { OrderTransition } from './order-transition';

const SETTLED: readonly OrderStatus[] = ['paid', 'fulfilled', 'refunded', 'partially_refunded'];

/**
 * How often a payment event consumed alone is decided again when its order changes between the
 * read and the write, before it takes the order's lock instead.
 */
const UNLOCKED_TRIES = 3;

/** What a payment event does to its order: a command, and the event that announces it. */
interface PaymentChange {
  readonly command: OrderCommand;
  readonly event: {
    readonly type: 'order.paid' | 'order.payment_failed' | 'order.refunded';
    readonly data: EventData<'order.paid' | 'order.payment_failed' | 'order.refunded'>;
    readonly traceparent: string;
  };
}

/**
 * Applies a payment event to its order, once. An event the order already reflects, or a failure
 * reported after the order was paid, changes nothing; an event the order cannot take (a payment
 * for a cancelled order) is dead-lettered with the reason for a human.
 */
@Injectable()
export class ApplyPaymentEventUseCase {
  constructor(
    private readonly orders: OrderRepository,
    private readonly transition: OrderTransition,
  ) {}

  /**
   * Inside the inbox transaction, the order locked. `batch` is every event the transaction
   * applies: their orders are locked together at the first, in one statement rather than one per
   * event.
   */
  async execute(
    manager: EntityManager,
    event: DomainEvent,
    batch: readonly DomainEvent[] = [event],
  ): Promise<void> {
    if (!isPaymentEvent(event)) return;
    const orderId = orderIdOf(event);
    await asUnprocessable(event, orderId, async () => {
      const order = await this.orders.lock(manager, orderId, () =>
        batch.filter(isPaymentEvent).map(orderIdOf),
      );
      const change = changeFor(order, event, orderId);
      if (change) await this.transition.apply(manager, order, change.command, change.event);
    });
  }

  /**
   * An event consumed alone, outside any transaction: the change is decided on the order, and
   * written with the event's inbox row in one statement only if the order is still at the version
   * it was decided on (`OrderRepository.writeIfUnchanged`): two round trips where the inbox
   * transaction took five, one when this instance wrote the order last (`orderToDecideOn`). An
   * order that keeps changing in between is left to the locking path.
   */
  async executeAlone(manager: EntityManager, event: DomainEvent, row: InboxRow): Promise<void> {
    if (!isPaymentEvent(event)) {
      await row.recordAlone(manager);
      return;
    }
    const orderId = orderIdOf(event);
    for (let tries = 1; tries <= UNLOCKED_TRIES; tries++) {
      const written = await asUnprocessable(event, orderId, async () => {
        const { order, change } = await this.orderToDecideOn(manager, event, orderId, tries === 1);
        if (!change) {
          await row.recordAlone(manager);
          return true;
        }
        const decidedOn = order.version;
        const planned = this.transition.plan(order, change.command, change.event);
        const outcome = await this.orders.writeIfUnchanged(
          manager,
          order,
          decidedOn,
          [planned.event],
          row,
        );
        if (outcome === 'applied') this.transition.count(planned);
        return outcome !== 'changed';
      });
      if (written) return;
    }
    await row.transaction((inbox) => this.execute(inbox, event));
  }

  /**
   * The order to decide `event` on, with the change it makes: as this instance last wrote it
   * when it remembers it (first tries only) and the event moves it on from there; otherwise as
   * the database has it. A copy that may be stale is good for a change, which is written only if
   * the order is still at that version; a decision that the event changes nothing, or that the
   * order cannot take it, is made on the database's order alone.
   */
  private async orderToDecideOn(
    manager: EntityManager,
    event: DomainEvent,
    orderId: string,
    mayRemember: boolean,
  ): Promise<{ order: OrderEntity; change: PaymentChange | null }> {
    const remembered = mayRemember ? this.orders.lastWritten(orderId) : null;
    if (remembered) {
      const change = changeFor(remembered, event, orderId);
      if (change && canTake(remembered.status, change.command))
        return { order: remembered, change };
    }
    const order = await this.orders.read(manager, orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    return { order, change: changeFor(order, event, orderId) };
  }
}

/**
 * The change `event` makes to `order`, whose fields it sets (the payment intent, the amount
 * refunded); null when the order reflects it already or it does not move orders.
 */
function changeFor(order: OrderEntity, event: DomainEvent, orderId: string): PaymentChange | null {
  const traceparent = traceparentForNewEvent(event.traceparent);
  switch (event.type) {
    case 'payment.succeeded': {
      const { data } = event as DomainEvent<'payment.succeeded'>;
      if (SETTLED.includes(order.status)) return null;
      order.paymentIntentId = data.paymentIntentId;
      return {
        command: 'pay',
        event: {
          type: 'order.paid',
          data: {
            orderId,
            amount: data.amount,
            currency: data.currency,
            paymentIntentId: data.paymentIntentId,
            paidAt: event.occurredAt,
          },
          traceparent,
        },
      };
    }
    case 'payment.failed': {
      const { data } = event as DomainEvent<'payment.failed'>;
      if (SETTLED.includes(order.status) || order.status === 'cancelled') return null;
      return {
        command: 'fail_payment',
        event: {
          type: 'order.payment_failed',
          data: {
            orderId,
            paymentIntentId: data.paymentIntentId,
            failureCode: data.failureCode,
            failureMessage: data.failureMessage,
          },
          traceparent,
        },
      };
    }
    case 'payment.refunded': {
      const { data } = event as DomainEvent<'payment.refunded'>;
      if (data.amountRefunded <= order.amountRefunded) return null;
      order.amountRefunded = data.amountRefunded;
      return {
        command: data.fullyRefunded ? 'refund' : 'refund_partially',
        event: {
          type: 'order.refunded',
          data: {
            orderId,
            amountRefunded: data.amountRefunded,
            currency: data.currency,
            fullyRefunded: data.fullyRefunded,
          },
          traceparent,
        },
      };
    }
    default:
      // payment.disputed: the order does not change; notifications tells the partner.
      return null;
  }
}

/** Runs `apply`, turning an unknown order or a refused transition into a dead letter's reason. */
async function asUnprocessable<T>(
  event: DomainEvent,
  orderId: string,
  apply: () => Promise<T>,
): Promise<T> {
  try {
    return await apply();
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

function isPaymentEvent(event: DomainEvent): boolean {
  return event.type.startsWith('payment.');
}

function orderIdOf(event: DomainEvent): string {
  return (event.data as { orderId: string }).orderId;
}
