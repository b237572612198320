import { Injectable } from '@nestjs/common';
import {
  createEvent,
  type DomainEvent,
  type EventData,
  type EventType,
} from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { nextStatus, type OrderCommand } from './order-state';

/** One step of the order state machine, with the event that announces it. */
@Injectable()
export class OrderTransition {
  constructor(private readonly orders: OrderRepository) {}

  /**
   * Moves an order locked by the caller's transaction through `command` (or throws
   * IllegalTransitionError), and saves it with its event in the outbox, in one statement of
   * the same transaction.
   */
  async apply<T extends EventType>(
    manager: EntityManager,
    order: OrderEntity,
    command: OrderCommand,
    event: { type: T; data: EventData<T>; traceparent?: string },
  ): Promise<DomainEvent<T>> {
    order.status = nextStatus(order.status, command);
    order.version += 1;
    const domainEvent = createEvent(
      event.type,
      order.id,
      event.data,
      event.traceparent ? { traceparent: event.traceparent } : {},
    );
    await this.orders.updateWithEvents(manager, order, [domainEvent]);
    return domainEvent;
  }
}
