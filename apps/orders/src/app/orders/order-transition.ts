import { Injectable } from '@nestjs/common';
import {
  createEvent,
  type DomainEvent,
  type EventData,
  type EventType,
} from '@switchyard/contracts';
import { afterCommit } from '@switchyard/service';
import { type EntityManager } from 'typeorm';
import { type OrderEntity } from './order.entity';
import { OrderRepository } from './order.repository';
import { orderTransitionsRefusedTotal, orderTransitionsTotal } from './order.metrics';
import {
  IllegalTransitionError,
  nextStatus,
  type OrderCommand,
  type OrderStatus,
} from './order-state';

/** Refusals remembered, oldest forgotten first: enough to span a batch and its retry. */
const RECENT_REFUSALS = 1000;

/** A transition decided and not written yet: the event that announces it, and its statuses. */
export interface PlannedTransition<T extends EventType> {
  readonly event: DomainEvent<T>;
  readonly from: OrderStatus;
  readonly to: OrderStatus;
}

/** One step of the order state machine, with the event that announces it. */
@Injectable()
export class OrderTransition {
  private readonly recentRefusals = new Set<string>();

  constructor(private readonly orders: OrderRepository) {}

  /**
   * Moves an order locked by the caller's transaction through `command` (or throws
   * IllegalTransitionError), and saves it with its event in the outbox, in one statement of
   * the same transaction made at its commit with the transaction's other transitions
   * (`OrderRepository.updateWithEvents`). Counted in metrics once that transaction commits.
   */
  async apply<T extends EventType>(
    manager: EntityManager,
    order: OrderEntity,
    command: OrderCommand,
    event: { type: T; data: EventData<T>; traceparent?: string },
  ): Promise<DomainEvent<T>> {
    const planned = this.plan(order, command, event);
    await this.orders.updateWithEvents(manager, order, [planned.event]);
    afterCommit(manager, () => this.count(planned));
    return planned.event;
  }

  /**
   * Moves the order through `command` (or throws IllegalTransitionError) and makes its event,
   * writing neither: for a caller that writes them itself (`OrderRepository.writeIfUnchanged`)
   * and counts the transition once it is written (`count`).
   */
  plan<T extends EventType>(
    order: OrderEntity,
    command: OrderCommand,
    event: { type: T; data: EventData<T>; traceparent?: string },
  ): PlannedTransition<T> {
    const from = order.status;
    order.status = this.next(order, command);
    order.version += 1;
    const domainEvent = createEvent(
      event.type,
      order.id,
      // Every order event names its customer (push notifications find the devices by it).
      { ...event.data, customerId: order.customerId },
      event.traceparent ? { traceparent: event.traceparent } : {},
    );
    return { event: domainEvent, from, to: order.status };
  }

  /** A planned transition is written: counted in metrics. */
  count({ from, to }: PlannedTransition<EventType>): void {
    orderTransitionsTotal.inc({ from, to });
  }

  /**
   * The status `command` leads to. A refusal rolls its transaction back, so it cannot wait for a
   * commit to be counted; it is counted once per order version and command instead, as a batch
   * of consumed events that fails is tried again one event at a time and meets it twice.
   */
  private next(order: OrderEntity, command: OrderCommand): OrderEntity['status'] {
    try {
      return nextStatus(order.status, command);
    } catch (err) {
      if (err instanceof IllegalTransitionError && this.firstRefusal(order, command)) {
        orderTransitionsRefusedTotal.inc({ from: order.status, command });
      }
      throw err;
    }
  }

  private firstRefusal(order: OrderEntity, command: OrderCommand): boolean {
    const key = `${order.id}:${order.version}:${command}`;
    if (this.recentRefusals.has(key)) return false;
    this.recentRefusals.add(key);
    if (this.recentRefusals.size > RECENT_REFUSALS) {
      this.recentRefusals.delete(this.recentRefusals.values().next().value as string);
    }
    return true;
  }
}
