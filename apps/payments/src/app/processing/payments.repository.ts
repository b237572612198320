import { Injectable } from '@nestjs/common';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type PaymentState } from './payment-state';

export interface NewPaymentIntent {
  readonly orderId: string;
  readonly id: string;
  readonly clientSecret: string;
  readonly amount: number;
  readonly currency: string;
}

export interface PaymentIntentWithState {
  readonly order_id: string;
  readonly id: string;
  readonly client_secret: string;
  /** bigint, as Postgres returns it. */
  readonly amount: string;
  readonly currency: string;
  /** Null until the first Stripe event of the PaymentIntent is processed. */
  readonly state: PaymentState | null;
}

/**
 * payment_intents and payment_states: the PaymentIntent payments created for each order, and
 * what Stripe told us about each PaymentIntent (ours or not), merged in any arrival order.
 */
@Injectable()
export class PaymentsRepository {
  constructor(
    private readonly sql: RepositorySql,
    private readonly dataSource: DataSource,
  ) {}

  async hasPaymentIntentFor(db: EntityManager, orderId: string): Promise<boolean> {
    const row = await this.sql.first(
      db,
      `SELECT 1 FROM ${this.sql.schema}.payment_intents WHERE order_id = $1`,
      [orderId],
    );
    return row !== undefined;
  }

  /** One PaymentIntent per order: a second one for the same order is not stored. */
  async addPaymentIntent(db: EntityManager, intent: NewPaymentIntent): Promise<void> {
    await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.payment_intents (order_id, id, client_secret, amount, currency)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (order_id) DO NOTHING`,
      [intent.orderId, intent.id, intent.clientSecret, intent.amount, intent.currency],
    );
  }

  async paymentIntentOf(orderId: string): Promise<PaymentIntentWithState | undefined> {
    const s = this.sql.schema;
    return this.sql.first<PaymentIntentWithState>(
      this.dataSource.manager,
      `SELECT pi.order_id, pi.id, pi.client_secret, pi.amount, pi.currency, ps.state
       FROM ${s}.payment_intents pi LEFT JOIN ${s}.payment_states ps ON ps.payment_intent_id = pi.id
       WHERE pi.order_id = $1`,
      [orderId],
    );
  }

  /** The order a PaymentIntent belongs to, from ours or from its events seen so far. */
  async orderIdOf(db: EntityManager, paymentIntentId: string): Promise<string | null> {
    const s = this.sql.schema;
    const known = await this.sql.first<{ order_id: string }>(
      db,
      `SELECT order_id::text FROM ${s}.payment_intents WHERE id = $1
       UNION ALL SELECT order_id FROM ${s}.payment_states WHERE payment_intent_id = $1 LIMIT 1`,
      [paymentIntentId],
    );
    return known?.order_id ?? null;
  }

  /** True when the PaymentIntent had no state yet and now has `initial`. */
  async addStateIfAbsent(
    db: EntityManager,
    paymentIntentId: string,
    orderId: string,
    initial: PaymentState,
  ): Promise<boolean> {
    const added = await this.sql.affected(
      db,
      `INSERT INTO ${this.sql.schema}.payment_states (payment_intent_id, order_id, state)
       VALUES ($1, $2, $3) ON CONFLICT (payment_intent_id) DO NOTHING`,
      [paymentIntentId, orderId, JSON.stringify(initial)],
    );
    return added > 0;
  }

  /** The state, locked until the transaction ends: events of one PaymentIntent apply in turn. */
  async lockState(
    db: EntityManager,
    paymentIntentId: string,
  ): Promise<{ order_id: string; state: PaymentState } | undefined> {
    return this.sql.first(
      db,
      `SELECT order_id, state FROM ${this.sql.schema}.payment_states
       WHERE payment_intent_id = $1 FOR UPDATE`,
      [paymentIntentId],
    );
  }

  async saveState(db: EntityManager, paymentIntentId: string, state: PaymentState): Promise<void> {
    await this.sql.affected(
      db,
      `UPDATE ${this.sql.schema}.payment_states SET state = $2, updated_at = now()
       WHERE payment_intent_id = $1`,
      [paymentIntentId, JSON.stringify(state)],
    );
  }
}
