import {
  createEvent,
  type DomainEvent,
  type EventData,
  type EventType,
} from '@switchyard/contracts';
import { appendToOutbox } from '@switchyard/messaging';
import { type EntityManager } from 'typeorm';
import { OrderEntity } from './order.entity';
import { nextStatus, type OrderCommand } from './order-state';

export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';

  constructor(readonly orderId: string) {
    super(`Order ${orderId} does not exist`);
  }
}

/** Locks the order for the rest of the transaction, so its transitions happen one at a time. */
export async function lockOrder(manager: EntityManager, orderId: string): Promise<OrderEntity> {
  const order = await manager.findOne(OrderEntity, {
    where: { id: orderId },
    lock: { mode: 'pessimistic_write' },
  });
  if (!order) throw new OrderNotFoundError(orderId);
  return order;
}

/**
 * Moves a locked order through `command` (or throws IllegalTransitionError), saves it and writes
 * the event that announces it to the outbox, all in the caller's transaction.
 */
export async function transitionOrder<T extends EventType>(
  manager: EntityManager,
  schema: string,
  order: OrderEntity,
  command: OrderCommand,
  event: { type: T; data: EventData<T>; traceparent?: string },
): Promise<DomainEvent<T>> {
  order.status = nextStatus(order.status, command);
  order.version += 1;
  await manager.save(order);
  const domainEvent = createEvent(
    event.type,
    order.id,
    event.data,
    event.traceparent ? { traceparent: event.traceparent } : {},
  );
  await appendToOutbox(manager, schema, [domainEvent]);
  return domainEvent;
}
