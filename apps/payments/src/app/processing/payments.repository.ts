import { Injectable } from '@nestjs/common';
import { type WritePart } from '@switchyard/messaging';
import { RepositorySql } from '@switchyard/service';
import { DataSource, type EntityManager } from 'typeorm';
import { type ClaimAlso } from '../stripe/stripe-events.repository';
import { type KnownPayment, type PaymentStateRow } from './payment-batch';
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

/** What is known of a PaymentIntent as a statement reads it (`lockStates`, `statesInClaim`). */
export interface PaymentKnownRow {
  /** The order of the PaymentIntent payments created, if it did. */
  readonly intent_order_id: string | null;
  /** The state row's, when it has one. */
  readonly state_order_id: string | null;
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

  /**
   * What is known of each PaymentIntent: the order of ours, and its state row, locked until the
   * transaction ends, so events of one PaymentIntent are applied by one transaction at a time.
   * Rows are locked in id order, as every transaction locks them, so two batches sharing
   * PaymentIntents wait for each other rather than deadlock.
   */
  async lockStates(
    db: EntityManager,
    paymentIntentIds: readonly string[],
  ): Promise<Map<string, KnownPayment>> {
    const s = this.sql.schema;
    const rows = await this.sql.rows<PaymentKnownRow & { payment_intent_id: string }>(
      db,
      `WITH locked AS MATERIALIZED (
         SELECT payment_intent_id, order_id, state FROM ${s}.payment_states
         WHERE payment_intent_id = ANY($1::text[])
         ORDER BY payment_intent_id COLLATE "C" FOR UPDATE
       )
       SELECT ids.id AS payment_intent_id, pi.order_id::text AS intent_order_id,
              locked.order_id AS state_order_id, locked.state
       FROM unnest($1::text[]) AS ids(id)
       LEFT JOIN locked ON locked.payment_intent_id = ids.id
       LEFT JOIN ${s}.payment_intents pi ON pi.id = ids.id`,
      [[...new Set(paymentIntentIds)]],
      { planForValues: true },
    );
    return new Map(rows.map((r) => [r.payment_intent_id, knownPaymentOf(r)]));
  }

  /**
   * Locks, as a part of a claim of Stripe events (`StripeEventsRepository.claimDue`), the states
   * of the PaymentIntents the events it may apply now name, as `lockStates` does, and adds what
   * is known of each event's PaymentIntent to its row (`PaymentKnownRow`; read them with
   * `knownOfClaimed`). The claim locks its events first, skipping those others hold, then waits
   * for the states, in id order as every transaction locks them.
   */
  statesInClaim(): ClaimAlso<PaymentKnownRow> {
    const s = this.sql.schema;
    // The claim's kept plan cannot know how few PaymentIntents a batch names: joined, both tables
    // were read whole (a hash join over a sequential scan, for a table that grows with every
    // PaymentIntent). An array of the ids, and a lookup per event, read them by their keys. The
    // states go through `lock_payment_states`, planned at every call: a plan kept since the table
    // held a few hundred rows read it whole at every claim (migration 1765100000000).
    return {
      ctes: `locked_states AS MATERIALIZED (
         SELECT payment_intent_id, order_id, state FROM ${s}.lock_payment_states(
           ARRAY(SELECT payment_intent_id FROM verdicts WHERE NOT held_back))
       )`,
      columns: `(SELECT pi.order_id::text FROM ${s}.payment_intents pi WHERE pi.id = v.payment_intent_id)
         AS intent_order_id, ls.order_id AS state_order_id, ls.state`,
      joins: `LEFT JOIN locked_states ls ON ls.payment_intent_id = v.payment_intent_id`,
    };
  }

  /** What a claim with `statesInClaim` knows, and holds locked, of its events' PaymentIntents. */
  knownOfClaimed(
    events: readonly (PaymentKnownRow & { payment_intent_id: string | null })[],
  ): Map<string, KnownPayment> {
    const known = new Map<string, KnownPayment>();
    for (const e of events) {
      if (e.payment_intent_id !== null) known.set(e.payment_intent_id, knownPaymentOf(e));
    }
    return known;
  }

  /**
   * Adds the states of PaymentIntents that have none; answers the ids added. One added by
   * another transaction meanwhile is left as it is (and not in the answer).
   */
  async addStatesIfAbsent(db: EntityManager, rows: readonly PaymentStateRow[]): Promise<string[]> {
    const insert = this.addStatesPart(rows);
    if (!insert) return [];
    const added = await this.sql.rows<{ payment_intent_id: string }>(
      db,
      insert.text,
      insert.params,
    );
    return added.map((r) => r.payment_intent_id);
  }

  /**
   * Adds the states of PaymentIntents that have none, as a part of the statement that writes the
   * rest of the batch (`writeTogether`); null when there are none. Its count is how many it
   * added: one added by another transaction since this one read it is left as it is and not
   * counted. Inserted in id order, as every transaction inserts them, so concurrent inserts of
   * the same ids queue.
   */
  addStatesPart(rows: readonly PaymentStateRow[]): WritePart | null {
    if (rows.length === 0) return null;
    const sorted = [...rows].sort((a, b) => compareIds(a.paymentIntentId, b.paymentIntentId));
    return {
      text: `INSERT INTO ${this.sql.schema}.payment_states (payment_intent_id, order_id, state)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[])
       ON CONFLICT (payment_intent_id) DO NOTHING RETURNING payment_intent_id`,
      params: [
        sorted.map((r) => r.paymentIntentId),
        sorted.map((r) => r.orderId),
        sorted.map((r) => JSON.stringify(r.state)),
      ],
    };
  }

  /**
   * Saves states this transaction holds locked (`lockStates`, `statesInClaim`), as a part of the
   * statement that writes the rest of the batch (`writeTogether`); null when none changed.
   */
  saveStates(rows: readonly PaymentStateRow[]): WritePart | null {
    if (rows.length === 0) return null;
    return {
      text: `UPDATE ${this.sql.schema}.payment_states ps SET state = saved.state, updated_at = now()
       FROM unnest($1::text[], $2::jsonb[]) AS saved(id, state)
       WHERE ps.payment_intent_id = saved.id RETURNING 1`,
      params: [rows.map((r) => r.paymentIntentId), rows.map((r) => JSON.stringify(r.state))],
      planForValues: true,
    };
  }
}

function knownPaymentOf(r: PaymentKnownRow): KnownPayment {
  return {
    intentOrderId: r.intent_order_id,
    stored:
      r.state_order_id !== null && r.state !== null
        ? { orderId: r.state_order_id, state: r.state }
        : null,
  };
}

/** Code-unit order, the order of COLLATE "C". */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
