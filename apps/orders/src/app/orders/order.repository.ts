import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type DomainEvent, type OrderLine } from '@switchyard/contracts';
import { announceOutbox, outboxAppendSql, WakeUps } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { type EntityManager, PessimisticLockTransactionRequiredError, Repository } from 'typeorm';
import { OrderEntity } from './order.entity';
import { type OrderStatus } from './order-state';
import { OrderNotFoundError } from './order-not-found.error';

export interface OrderListFilter {
  readonly status?: OrderStatus;
  readonly customerId?: string;
  /** The sort key of the last order already seen: the list goes on after it. */
  readonly after?: readonly [createdAt: string, id: string];
}

/** An `orders` row as Postgres answers it (bigint comes as a string). */
interface OrderRow {
  id: string;
  customer_id: string;
  currency: string;
  amount_total: string;
  lines: OrderLine[];
  status: OrderStatus;
  version: number;
  amount_refunded: string;
  payment_intent_id: string | null;
  created_at: Date;
  updated_at: Date;
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
    private readonly wakeUps: WakeUps,
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

  /**
   * Locks the order for the rest of the transaction, so its transitions happen one at a time.
   * Every payment event takes this path: a prepared statement, where TypeORM's find built and
   * planned its query at every call.
   */
  async lock(manager: EntityManager, id: string): Promise<OrderEntity> {
    // Outside a transaction the lock would end with the statement: a bug, not a case to handle.
    if (!manager.queryRunner?.isTransactionActive) {
      throw new PessimisticLockTransactionRequiredError();
    }
    const row = await this.sql.first<OrderRow>(
      manager,
      `SELECT id, customer_id, currency, amount_total, lines, status, version, amount_refunded,
              payment_intent_id, created_at, updated_at
       FROM ${this.sql.schema}.orders WHERE id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw new OrderNotFoundError(id);
    return this.orders.create({
      id: row.id,
      customerId: row.customer_id,
      currency: row.currency,
      amountTotal: Number(row.amount_total),
      lines: row.lines,
      status: row.status,
      version: row.version,
      amountRefunded: Number(row.amount_refunded),
      paymentIntentId: row.payment_intent_id,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  /**
   * Inserts a new order and its events' outbox rows in one statement: one round trip, committed
   * on its own (a statement is a transaction). With an idempotency key, the statement claims the
   * key too and writes the order only if it did; null when the key was already used. A
   * concurrent first use of the key makes the statement wait until that one commits or rolls
   * back, so after a null the key's row is there to read.
   */
  async insertWithEvents(
    fields: Omit<OrderEntity, 'createdAt' | 'updatedAt'>,
    events: readonly DomainEvent[],
    idempotency?: { readonly key: string; readonly requestHash: string },
  ): Promise<OrderEntity | null> {
    const s = this.sql.schema;
    const orderParams = [
      fields.id,
      fields.customerId,
      fields.currency,
      fields.amountTotal,
      fields.amountRefunded,
      JSON.stringify(fields.lines),
      fields.status,
      fields.version,
      fields.paymentIntentId,
    ];
    const keyParams = idempotency ? [idempotency.key, idempotency.requestHash] : [];
    const append = outboxAppendSql(this.sql.schemaName, events, {
      firstParam: orderParams.length + keyParams.length + 1,
      onlyIf: 'EXISTS (SELECT 1 FROM created)',
    });
    const key = orderParams.length + 1;
    const claimed = idempotency
      ? `claimed AS (
           INSERT INTO ${s}.idempotency_keys (key, request_hash, order_id) VALUES ($${key}, $${key + 1}, $1)
           ON CONFLICT (key) DO NOTHING RETURNING order_id),`
      : `claimed AS (SELECT $1::uuid AS order_id),`;
    const row = await this.sql.first<{ created_at: Date; updated_at: Date }>(
      this.orders.manager,
      `WITH ${claimed}
       created AS (
         INSERT INTO ${s}.orders (id, customer_id, currency, amount_total, amount_refunded, lines,
                                 status, version, payment_intent_id)
         SELECT $1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9 FROM claimed
         RETURNING created_at, updated_at),
       appended AS (${append.insert})
       SELECT created_at, updated_at FROM created`,
      [...orderParams, ...keyParams, ...append.params],
    );
    if (!row) return null;
    if (events.length > 0) announceOutbox(this.wakeUps, this.orders.manager, this.sql.schemaName);
    return this.orders.create({ ...fields, createdAt: row.created_at, updatedAt: row.updated_at });
  }

  /**
   * Writes what a transition changes and its events' outbox rows, in one statement (no read
   * first, as `save` would; the caller's transaction holds the order's lock).
   */
  async updateWithEvents(
    manager: EntityManager,
    order: OrderEntity,
    events: readonly DomainEvent[],
  ): Promise<void> {
    const orderParams = [
      order.id,
      order.status,
      order.version,
      order.amountRefunded,
      order.paymentIntentId,
    ];
    const append = outboxAppendSql(this.sql.schemaName, events, {
      firstParam: orderParams.length + 1,
      onlyIf: 'EXISTS (SELECT 1 FROM updated)',
    });
    const row = await this.sql.first<{ updated_at: Date }>(
      manager,
      `WITH updated AS (
         UPDATE ${this.sql.schema}.orders
         SET status = $2, version = $3, amount_refunded = $4, payment_intent_id = $5, updated_at = now()
         WHERE id = $1 RETURNING updated_at),
       appended AS (${append.insert})
       SELECT updated_at FROM updated`,
      [...orderParams, ...append.params],
    );
    if (!row) throw new OrderNotFoundError(order.id);
    if (events.length > 0) announceOutbox(this.wakeUps, manager, this.sql.schemaName);
    order.updatedAt = row.updated_at;
  }
}
