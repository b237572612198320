import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager, Repository } from 'typeorm';
import { OrderEntity } from './order.entity';
import { type OrderStatus } from './order-state';
import { OrderNotFoundError } from './order-not-found.error';

export interface OrderListFilter {
  readonly status?: OrderStatus;
  readonly customerId?: string;
  /** The sort key of the last order already seen: the list goes on after it. */
  readonly after?: readonly [createdAt: string, id: string];
}

/**
 * Owns the `orders` table. Orders are plain records, so this is TypeORM's repository; methods
 * that take an EntityManager run in the caller's transaction.
 */
@Injectable()
export class OrderRepository {
  constructor(
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
    private readonly sql: RepositorySql,
  ) {}

  async findById(id: string): Promise<OrderEntity | null> {
    return this.orders.findOneBy({ id });
  }

  /** Newest first (creation time, then id), at most `limit` orders. */
  async list(filter: OrderListFilter, limit: number): Promise<OrderEntity[]> {
    const query = this.orders
      .createQueryBuilder('o')
      .orderBy('o.created_at', 'DESC')
      .addOrderBy('o.id', 'DESC')
      .take(limit);
    if (filter.status) query.andWhere('o.status = :status', { status: filter.status });
    if (filter.customerId) {
      query.andWhere('o.customer_id = :customerId', { customerId: filter.customerId });
    }
    if (filter.after) {
      const [createdAt, id] = filter.after;
      query.andWhere('(o.created_at, o.id) < (:createdAt, :id)', { createdAt, id });
    }
    return query.getMany();
  }

  /** Locks the order for the rest of the transaction, so its transitions happen one at a time. */
  async lock(manager: EntityManager, id: string): Promise<OrderEntity> {
    const order = await manager.findOne(OrderEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  async get(manager: EntityManager, id: string): Promise<OrderEntity> {
    const order = await manager.findOneBy(OrderEntity, { id });
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  /**
   * Inserts a new order and fills in its timestamps. `insert`, not `save`: an entity whose id is
   * set makes `save` read the row first to choose between INSERT and UPDATE, a round trip for
   * nothing on every order.
   */
  async insert(
    manager: EntityManager,
    fields: Omit<OrderEntity, 'createdAt' | 'updatedAt'>,
  ): Promise<OrderEntity> {
    const order = manager.create(OrderEntity, fields);
    await manager.insert(OrderEntity, order);
    return order;
  }

  /** Writes what a transition changes, in one statement (no read first, as `save` would). */
  async update(manager: EntityManager, order: OrderEntity): Promise<void> {
    const row = await this.sql.first<{ updated_at: Date }>(
      manager,
      `UPDATE ${this.sql.schema}.orders
       SET status = $2, version = $3, amount_refunded = $4, payment_intent_id = $5, updated_at = now()
       WHERE id = $1 RETURNING updated_at`,
      [order.id, order.status, order.version, order.amountRefunded, order.paymentIntentId],
    );
    if (!row) throw new OrderNotFoundError(order.id);
    order.updatedAt = row.updated_at;
  }
}
