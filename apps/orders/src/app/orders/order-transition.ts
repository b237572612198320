import { Inject, Injectable } from '@nestjs/common';
import {
  createEvent,
  type DomainEvent,
  type EventData,
  type EventType,
} from '@switchyard/contracts';
import { appendToOutbox } from '@switchyard/messaging';
import { type CommonEnv, SERVICE_CONFIG } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { nextStatus, type OrderCommand } from './order-state';

/** One step of the order state machine, with the event that announces it. */
@Injectable()
export class OrderTransition {
  constructor(
    private readonly orders: OrderRepository,
    @Inject(SERVICE_CONFIG) private readonly config: CommonEnv,
  ) {}

  /**
   * Moves an order locked by the caller's transaction through `command` (or throws
   * IllegalTransitionError), saves it, and writes its event to the outbox in the same
   * transaction.
   */
  async apply<T extends EventType>(
    manager: EntityManager,
    order: OrderEntity,
    command: OrderCommand,
    event: { type: T; data: EventData<T>; traceparent?: string },
  ): Promise<DomainEvent<T>> {
    order.status = nextStatus(order.status, command);
    order.version += 1;
    await this.orders.update(manager, order);
    const domainEvent = createEvent(
      event.type,
      order.id,
      event.data,
      event.traceparent ? { traceparent: event.traceparent } : {},
    );
    await appendToOutbox(manager, this.config.DB_SCHEMA, [domainEvent]);
    return domainEvent;
  }
}
