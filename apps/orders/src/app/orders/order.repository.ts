import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type DomainEvent, type OrderLine } from '@switchyard/contracts';
import {
  announceOutbox,
  inboxInsertSql,
  type InboxRow,
  outboxAppendSql,
  WakeUps,
} from '@switchyard/messaging';
import {
  gatherUntilCommit,
  inTransaction,
  RepositorySql,
  transactionLocal,
} from '@switchyard/service';
import { LRUCache } from 'lru-cache';
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

/** An order to create, with its events and, when the request had one, its Idempotency-Key. */
export interface NewOrder {
  readonly fields: Omit<OrderEntity, 'createdAt' | 'updatedAt'>;
  readonly events: readonly DomainEvent[];
  readonly idempotency?: { readonly key: string; readonly requestHash: string };
}

/**
 * Orders this instance remembers as it last wrote them (`lastWritten`), the least recently
 * written forgotten first: a few megabytes (an order's lines are bounded by the request size).
 */
const REMEMBERED_ORDERS = 10_000;

/** What became of a transition written with its event's inbox row (`writeIfUnchanged`). */
export type UnlockedWrite = 'applied' | 'duplicate' | 'changed';

/** A transition to write: the order as it now is, and the events that announce it. */
interface OrderTransitionWrite {
  readonly order: OrderEntity;
  readonly events: readonly DomainEvent[];
}

/**
 * Owns the `orders` table. Orders are plain records, so this is TypeORM's repository; methods
 * that take an EntityManager run in the caller's transaction.
 */
@Injectable()
export class OrderRepository {
  private readonly written = new LRUCache<string, OrderEntity>({ max: REMEMBERED_ORDERS });

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
   * planned its query at every call. An order this transaction has locked already is returned as
   * it now is in the transaction: its transitions are written at commit (`updateWithEvents`),
   * so a read would miss them. The map of locked orders ends with the transaction
   * (`transactionLocal`); nothing here uses savepoints, whose rollback would leave such an entity
   * ahead of the database. `readAhead` names orders this transaction is about to lock too: they
   * are read and locked in the same statement (a consumed batch's payment events, one statement
   * for all their orders), and the later calls find them held. It is asked only when the order
   * is not held yet, so a batch's later events do not list the batch again.
   */
  async lock(
    manager: EntityManager,
    id: string,
    readAhead: () => readonly string[] = () => [],
  ): Promise<OrderEntity> {
    // Outside a transaction the lock would end with the statement: a bug, not a case to handle.
    if (!inTransaction(manager)) throw new PessimisticLockTransactionRequiredError();
    const locked = transactionLocal(manager, this, () => new Map<string, OrderEntity>());
    const held = locked.get(id.toLowerCase());
    if (held) return held;
    const ids = [id, ...readAhead()].map((i) => i.toLowerCase()).filter((i) => !locked.has(i));
    for (const order of await this.readForUpdate(manager, [...new Set(ids)])) {
      locked.set(order.id.toLowerCase(), order);
    }
    const order = locked.get(id.toLowerCase());
    if (!order) throw new OrderNotFoundError(id);
    return order;
  }

  /**
   * The orders, locked in the order of their ids: two transactions locking some of the same
   * orders take them in the same order, and neither waits for a lock the other waits on.
   */
  private async readForUpdate(
    manager: EntityManager,
    ids: readonly string[],
  ): Promise<OrderEntity[]> {
    const rows = await this.sql.rows<OrderRow>(
      manager,
      `SELECT id, customer_id, currency, amount_total, lines, status, version, amount_refunded,
              payment_intent_id, created_at, updated_at
       FROM ${this.sql.schema}.orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
      [ids],
      { planForValues: true },
    );
    return rows.map((row) => this.entityOf(row));
  }

  /**
   * The order as it is now, not locked: a transition decided on it is written only if the order
   * is still at this version (`writeIfUnchanged`). Planned for its value, as the locking read is.
   */
  async read(manager: EntityManager, id: string): Promise<OrderEntity | null> {
    const [row] = await this.sql.rows<OrderRow>(
      manager,
      `SELECT id, customer_id, currency, amount_total, lines, status, version, amount_refunded,
              payment_intent_id, created_at, updated_at
       FROM ${this.sql.schema}.orders WHERE id = $1::uuid`,
      [id],
      { planForValues: true },
    );
    return row ? this.entityOf(row) : null;
  }

  /**
   * The order as this instance last wrote it, when it still remembers it: a copy, which the
   * caller may change. It may be behind the database (another instance, or a transaction whose
   * outcome this one does not follow, wrote it since), so it serves only a decision written on
   * condition that the order is still at its version (`writeIfUnchanged`): a stale copy costs a
   * write that changes nothing, where the read it saves is a round trip for every event.
   */
  lastWritten(id: string): OrderEntity | null {
    const order = this.written.get(id.toLowerCase());
    return order ? this.orders.create({ ...order }) : null;
  }

  /** The order is no longer as this instance last wrote it, or may not be (`lastWritten`). */
  forget(id: string): void {
    this.written.delete(id.toLowerCase());
  }

  private remember(order: OrderEntity): void {
    this.written.set(order.id.toLowerCase(), this.orders.create({ ...order }));
  }

  /**
   * Writes a transition decided on the order as `read` (or `lastWritten`) gave it at
   * `readVersion`, with its events' outbox rows and the consumed event's inbox row, in one
   * statement (no transaction: a read and a write, where locking the order in the inbox
   * transaction took five round trips). The statement locks the order only if it is still at `readVersion` (every write of an order
   * moves its version on), writes the inbox row only then, and the transition and its events
   * only if the row is new: `changed` when the order moved on meanwhile (nothing written; decide
   * again on the order as it now is), `duplicate` when the event was taken before (nothing
   * written), else `applied`. The inbox row is settled (`took`) unless the order had changed.
   */
  async writeIfUnchanged(
    manager: EntityManager,
    order: OrderEntity,
    readVersion: number,
    events: readonly DomainEvent[],
    inboxRow: InboxRow,
  ): Promise<UnlockedWrite> {
    const s = this.sql.schema;
    const orderParams = [
      order.id,
      order.status,
      order.version,
      order.amountRefunded,
      order.paymentIntentId,
      readVersion,
      ...inboxRow.params,
    ];
    const inbox = inboxInsertSql(this.sql.schemaName, ['$7', '$8', '$9'], {
      onlyIf: 'EXISTS (SELECT 1 FROM unchanged)',
    });
    const append = outboxAppendSql(this.sql.schemaName, events, {
      firstParam: orderParams.length + 1,
      onlyIf: 'EXISTS (SELECT 1 FROM updated)',
    });
    const [row] = await this.sql.rows<{
      unchanged: number;
      fresh: number;
      updated_at: Date | null;
    }>(
      manager,
      `WITH unchanged AS MATERIALIZED (
         SELECT id FROM ${s}.orders WHERE id = $1::uuid AND version = $6 FOR UPDATE),
       inbox AS (${inbox}),
       updated AS (
         UPDATE ${s}.orders o
         SET status = $2, version = $3, amount_refunded = $4, payment_intent_id = $5,
             updated_at = now()
         WHERE o.id = $1::uuid AND o.version = $6 AND EXISTS (SELECT 1 FROM inbox)
         RETURNING o.updated_at),
       appended AS (${append.insert})
       SELECT (SELECT count(*) FROM unchanged)::int AS unchanged,
              (SELECT count(*) FROM inbox)::int AS fresh,
              (SELECT updated_at FROM updated) AS updated_at`,
      [...orderParams, ...append.params],
      { planForValues: true },
    );
    if (!row || row.unchanged === 0) {
      this.forget(order.id);
      return 'changed';
    }
    const fresh = row.fresh > 0;
    inboxRow.took(fresh);
    if (!fresh) return 'duplicate';
    order.updatedAt = row.updated_at as Date;
    this.remember(order);
    if (events.length > 0) announceOutbox(this.wakeUps, manager, this.sql.schemaName);
    return 'applied';
  }

  private entityOf(row: OrderRow): OrderEntity {
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
   * Inserts new orders and their events' outbox rows in one statement: one round trip, committed
   * on its own (a statement is a transaction). An order with an idempotency key is written only
   * if the statement claims the key; its answer is null when the key was already used (of one key
   * given twice here, the first claims it). A concurrent first use of a key makes the statement
   * wait until that one commits or rolls back, so after a null the key's row is there to read.
   * Keys are claimed in their order, so two instances claiming the same keys never wait for each
   * other's (a deadlock).
   */
  async insertManyWithEvents(orders: readonly NewOrder[]): Promise<(OrderEntity | null)[]> {
    const s = this.sql.schema;
    const events = orders.flatMap((o) => o.events);
    const columns = [
      orders.map((o) => o.fields.id),
      orders.map((o) => o.fields.customerId),
      orders.map((o) => o.fields.currency),
      orders.map((o) => o.fields.amountTotal),
      orders.map((o) => o.fields.amountRefunded),
      orders.map((o) => JSON.stringify(o.fields.lines)),
      orders.map((o) => o.fields.status),
      orders.map((o) => o.fields.version),
      orders.map((o) => o.fields.paymentIntentId),
      orders.map((o) => o.idempotency?.key ?? null),
      orders.map((o) => o.idempotency?.requestHash ?? null),
    ];
    // An event goes out with its order: its subject is the order's id.
    const append = outboxAppendSql(this.sql.schemaName, events, {
      firstParam: columns.length + 1,
      onlyIf: 'e.message_key IN (SELECT id::text FROM created)',
    });
    const rows = await this.sql.rows<{ id: string; created_at: Date; updated_at: Date }>(
      this.orders.manager,
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
                              $6::jsonb[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[])
           WITH ORDINALITY AS i(id, customer_id, currency, amount_total, amount_refunded, lines,
                                status, version, payment_intent_id, key, request_hash, n)),
       claimed AS (
         INSERT INTO ${s}.idempotency_keys (key, request_hash, order_id)
         SELECT key, request_hash, id FROM input WHERE key IS NOT NULL ORDER BY key, n
         ON CONFLICT (key) DO NOTHING RETURNING order_id),
       created AS (
         INSERT INTO ${s}.orders (id, customer_id, currency, amount_total, amount_refunded, lines,
                                 status, version, payment_intent_id)
         SELECT id, customer_id, currency, amount_total, amount_refunded, lines, status, version,
                payment_intent_id
         FROM input WHERE key IS NULL OR id IN (SELECT order_id FROM claimed)
         RETURNING id, created_at, updated_at),
       appended AS (${append.insert})
       SELECT id, created_at, updated_at FROM created`,
      [...columns, ...append.params],
    );
    if (events.length > 0 && rows.length > 0) {
      announceOutbox(this.wakeUps, this.orders.manager, this.sql.schemaName);
    }
    const created = new Map(rows.map((r) => [r.id, r]));
    return orders.map(({ fields }) => {
      const row = created.get(fields.id);
      if (!row) return null;
      const order = this.orders.create({
        ...fields,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      });
      this.remember(order);
      return order;
    });
  }

  /**
   * Writes what a transition changes and its events' outbox rows, with no read first (as `save`
   * would; the caller's transaction holds the order's lock). In a transaction the write waits for
   * its commit, where the transitions of all its orders are written in one statement (a consumed
   * batch's payment events: one write, where each event made its own); a later `lock` of the
   * same order in that transaction returns this entity, changes and all. That statement belongs
   * to no one event, so it runs outside the events' consumer spans.
   */
  async updateWithEvents(
    manager: EntityManager,
    order: OrderEntity,
    events: readonly DomainEvent[],
  ): Promise<void> {
    if (!inTransaction(manager)) return this.writeTransitions(manager, [{ order, events }]);
    gatherUntilCommit(manager, this, { order, events }, (transitions) =>
      this.writeTransitions(manager, transitions),
    );
  }

  /** Each order's latest state and every event, in the order they came, in one statement. */
  private async writeTransitions(
    manager: EntityManager,
    transitions: readonly OrderTransitionWrite[],
  ): Promise<void> {
    const orders = [
      ...new Map(transitions.map((t) => [t.order.id.toLowerCase(), t.order])).values(),
    ];
    const events = transitions.flatMap((t) => t.events);
    const orderParams = [
      orders.map((o) => o.id),
      orders.map((o) => o.status),
      orders.map((o) => o.version),
      orders.map((o) => o.amountRefunded),
      orders.map((o) => o.paymentIntentId),
      orders.length,
    ];
    const append = outboxAppendSql(this.sql.schemaName, events, {
      firstParam: orderParams.length + 1,
      onlyIf: '(SELECT count(*) FROM updated) = $6',
    });
    const rows = await this.sql.rows<{ id: string; updated_at: Date }>(
      manager,
      `WITH updated AS (
         UPDATE ${this.sql.schema}.orders o
         SET status = u.status, version = u.version, amount_refunded = u.amount_refunded,
             payment_intent_id = u.payment_intent_id, updated_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::text[])
           AS u(id, status, version, amount_refunded, payment_intent_id)
         WHERE o.id = u.id RETURNING o.id, o.updated_at),
       appended AS (${append.insert})
       SELECT id::text AS id, updated_at FROM updated`,
      [...orderParams, ...append.params],
      { planForValues: true },
    );
    const updatedAt = new Map(rows.map((r) => [r.id, r.updated_at]));
    for (const { order } of transitions) {
      // Written in a transaction that may yet roll back: forgotten rather than remembered.
      this.forget(order.id);
      const at = updatedAt.get(order.id.toLowerCase());
      if (!at) throw new OrderNotFoundError(order.id);
      order.updatedAt = at;
    }
    if (events.length > 0) announceOutbox(this.wakeUps, manager, this.sql.schemaName);
  }
}
