import { writeTogether } from '@switchyard/messaging';
import { paymentIntentEvent, waitFor } from '@switchyard/testing';
import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import {
  type PaymentsTestApp,
  paidPaymentIntent,
  startPaymentsApp,
} from '../../testing/payments-app.test-helper';
import {
  dueClaimStatement,
  storedEventsChannel,
  StripeEventsRepository,
} from '../stripe/stripe-events.repository';
import { INITIAL_PAYMENT_STATE, type PaymentState } from './payment-state';
import { type KnownPayment } from './payment-batch';
import { PaymentsRepository } from './payments.repository';

const at = (offset: number) => 1_764_000_000 + offset;

interface StripeEvent {
  readonly id: string;
  readonly type: string;
  readonly created: number;
}

/**
 * Stores events in one transaction, received in the order given, announced once: a backlog a
 * processor finds all at once, as after a burst or a pause.
 */
async function storeAtOnce(dataSource: DataSource, events: readonly StripeEvent[]): Promise<void> {
  await dataSource.transaction(async (m) => {
    await m.query(
      `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, received_at)
       SELECT e->>'id', e->>'type', (e->>'created')::bigint, false, e,
              now() + make_interval(secs => n / 1000000.0)
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, n)`,
      [JSON.stringify(events)],
    );
    await m.query(`SELECT pg_notify($1, '')`, [storedEventsChannel('payments')]);
  });
}

/** A full refund of the PaymentIntent's charge, which names the PaymentIntent by id. */
function refundOf(pi: { id: string }, created: number): StripeEvent {
  return paymentIntentEvent(
    'charge.refunded',
    {
      id: `ch_${pi.id.slice(3)}`,
      object: 'charge',
      payment_intent: pi.id,
      amount: 5000,
      amount_refunded: 5000,
      currency: 'usd',
      metadata: {},
    },
    created,
  );
}

/** A PaymentIntent's story as Stripe tells it: a declined attempt, the payment, a full refund. */
function story(orderId: string) {
  const pi = paidPaymentIntent(orderId);
  return {
    orderId,
    events: [
      paymentIntentEvent(
        'payment_intent.payment_failed',
        { ...pi, last_payment_error: { code: 'card_declined', message: 'declined' } },
        at(10),
      ),
      paymentIntentEvent('payment_intent.succeeded', pi, at(20)),
      refundOf(pi, at(30)),
    ],
  };
}

/** The stories' events interleaved: every first event, then every second, then every third. */
function interleaved(stories: readonly ReturnType<typeof story>[]): StripeEvent[] {
  return [0, 1, 2].flatMap((step) => stories.map((s) => s.events[step] as StripeEvent));
}

const TOLD_IN_ORDER = ['payment.failed', 'payment.succeeded', 'payment.refunded'];

async function publishedFor(dataSource: DataSource, orderId: string): Promise<string[]> {
  const rows: { type: string }[] = await dataSource.query(
    `SELECT payload::json->>'type' AS type FROM payments.outbox WHERE message_key = $1 ORDER BY position`,
    [orderId],
  );
  return rows.map((r) => r.type);
}

async function statusesOf(
  dataSource: DataSource,
  events: readonly StripeEvent[],
): Promise<{ id: string; status: string; attempts: number; last_error: string | null }[]> {
  return dataSource.query(
    `SELECT id, status, attempts, last_error FROM payments.stripe_events WHERE id = ANY($1)`,
    [events.map((e) => e.id)],
  );
}

async function processed(dataSource: DataSource, events: readonly StripeEvent[]): Promise<boolean> {
  const rows = await statusesOf(dataSource, events);
  return rows.length === events.length && rows.every((r) => r.status === 'processed');
}

/**
 * Until a statement whose text is `LIKE` the pattern waits for a lock (the text Postgres shows is
 * cut at its first kilobyte: match its start).
 */
async function waitForLockWait(dataSource: DataSource, who: string, like: string): Promise<void> {
  await waitFor(`${who} to wait for a lock`, async () => {
    const [{ waiting }] = await dataSource.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
      [like],
    );
    return waiting > 0;
  });
}

describe('processing stored Stripe events in batches (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    t = await startPaymentsApp('batches');
  });

  afterAll(() => t?.close());

  it("applies a batch of events of many PaymentIntents, each PaymentIntent's in the order received", async () => {
    // Given 40 PaymentIntents' stories stored at once, their events interleaved
    const stories = Array.from({ length: 40 }, () => story(randomUUID()));
    const events = interleaved(stories);

    // When the processor takes them
    await storeAtOnce(t.dataSource, events);
    await waitFor('every event to be processed', () => processed(t.dataSource, events));

    // Then each order's story is told once, in the order it happened
    for (const s of stories)
      expect(await publishedFor(t.dataSource, s.orderId)).toEqual(TOLD_IN_ORDER);
    // And in a few transactions, not one per event (an event's processed_at is its transaction's)
    const [{ transactions }] = await t.dataSource.query(
      `SELECT count(DISTINCT processed_at)::int AS transactions FROM payments.stripe_events WHERE id = ANY($1)`,
      [events.map((e) => e.id)],
    );
    expect(transactions).toBeLessThanOrEqual(10);
  });

  it('applies a batch with the states its claim locked, without locking them again', async () => {
    // Given 10 PaymentIntents' stories stored at once
    const stories = Array.from({ length: 10 }, () => story(randomUUID()));
    const events = interleaved(stories);
    const lockStates = jest.spyOn(t.app.get(PaymentsRepository), 'lockStates');
    try {
      // When the processor takes them
      await storeAtOnce(t.dataSource, events);
      await waitFor('every event to be processed', () => processed(t.dataSource, events));

      // Then each order's story is told, and no batch locked the states after its claim
      for (const s of stories)
        expect(await publishedFor(t.dataSource, s.orderId)).toEqual(TOLD_IN_ORDER);
      expect(lockStates).not.toHaveBeenCalled();
    } finally {
      lockStates.mockRestore();
    }
  });

  it('asks what is due behind a batch only when its claim saw other events of its PaymentIntents', async () => {
    const dueOf = jest.spyOn(t.app.get(StripeEventsRepository), 'dueOf');
    const askedFor = (pi: { id: string }) =>
      dueOf.mock.calls.filter(([ids]) => ids.includes(pi.id)).length;
    try {
      // Given a PaymentIntent's lone event, processed
      const lonePi = paidPaymentIntent(randomUUID());
      const lone = paymentIntentEvent('payment_intent.succeeded', lonePi, at(20));
      await storeAtOnce(t.dataSource, [lone]);
      await waitFor('the lone event to be processed', () => processed(t.dataSource, [lone]));

      // When another PaymentIntent's success is stored while its refund waits for a retry
      const pi = paidPaymentIntent(randomUUID());
      const refund = refundOf(pi, at(30));
      await t.dataSource.query(
        `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, next_attempt_at)
         VALUES ($1, $2, $3, false, $4, now() + interval '1 hour')`,
        [refund.id, refund.type, refund.created, JSON.stringify(refund)],
      );
      const success = paymentIntentEvent('payment_intent.succeeded', pi, at(20));
      await storeAtOnce(t.dataSource, [success]);
      await waitFor('both to be processed', () => processed(t.dataSource, [success, refund]));

      // Then the lone event's batch did not ask, and the success's did
      expect(askedFor(lonePi)).toBe(0);
      expect(askedFor(pi)).toBeGreaterThan(0);
    } finally {
      dueOf.mockRestore();
    }
  });

  it("folds an event into the state another transaction added for its PaymentIntent while the event's batch was being written, and publishes it once", async () => {
    // Given another transaction that has added the state of a PaymentIntent the processor knows
    // nothing of yet, not committed
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);
    const theirs: PaymentState = { ...INITIAL_PAYMENT_STATE, chargeId: 'ch_added_by_another' };
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    const succeeded = paymentIntentEvent('payment_intent.succeeded', pi, at(20));
    try {
      await other.query(
        `INSERT INTO payments.payment_states (payment_intent_id, order_id, state) VALUES ($1, $2, $3)`,
        [pi.id, orderId, JSON.stringify(theirs)],
      );

      // When the PaymentIntent's payment is processed, its batch's write waiting for that row
      await storeAtOnce(t.dataSource, [succeeded]);
      await waitForLockWait(t.dataSource, 'the batch', '%payment_states%');
      // And the other transaction commits
      await other.commitTransaction();
    } finally {
      await other.release();
    }

    // Then the payment is folded into the state the other transaction added, and told once
    await waitFor('the event to be processed', () => processed(t.dataSource, [succeeded]));
    const [{ state }] = await t.dataSource.query(
      `SELECT state FROM payments.payment_states WHERE payment_intent_id = $1`,
      [pi.id],
    );
    expect(state).toMatchObject({ outcome: 'succeeded', chargeId: 'ch_added_by_another' });
    expect(await publishedFor(t.dataSource, orderId)).toEqual(['payment.succeeded']);
  });

  it('a bad event in a batch is recorded as failed and the rest of its batch is processed', async () => {
    // Given a batch with good stories, an event for no known order and a refund whose
    // PaymentIntent never arrives, between them
    const stories = Array.from({ length: 10 }, () => story(randomUUID()));
    const orphan = paymentIntentEvent(
      'payment_intent.succeeded',
      { ...paidPaymentIntent(randomUUID()), metadata: {} },
      at(20),
    );
    const early = story(randomUUID()).events[2] as StripeEvent;
    const good = interleaved(stories);
    const batch = [...good.slice(0, 15), orphan, early, ...good.slice(15)];

    // When the processor takes them
    await storeAtOnce(t.dataSource, batch);
    await waitFor('the good events to be processed', () => processed(t.dataSource, good));

    // Then the bad ones are recorded as they are when alone, and the others are applied
    await waitFor('the bad events to be recorded', async () => {
      const rows = await statusesOf(t.dataSource, [orphan, early]);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return (
        byId.get(orphan.id)?.status === 'failed' &&
        /^missing_order_id: /.test(byId.get(orphan.id)?.last_error ?? '') &&
        byId.get(early.id)?.status === 'received' &&
        (byId.get(early.id)?.attempts ?? 0) >= 1 &&
        /have not arrived yet/.test(byId.get(early.id)?.last_error ?? '')
      );
    });
    for (const s of stories)
      expect(await publishedFor(t.dataSource, s.orderId)).toEqual(TOLD_IN_ORDER);
  });
});

describe('two Stripe processors side by side (real Postgres and Kafka)', () => {
  let first: PaymentsTestApp;
  let second: PaymentsTestApp;

  beforeAll(async () => {
    // Small batches, two at a time in each instance: one PaymentIntent's events are claimed by
    // different transactions of different instances at the same moment.
    const env = { STRIPE_PROCESSOR_BATCH: '4', STRIPE_PROCESSOR_CONCURRENCY: '2' };
    first = await startPaymentsApp('batches-twins', env);
    second = await startPaymentsApp('batches-twins', env, {
      database: first.database,
      kafkaPrefix: first.kafkaPrefix,
    });
  });

  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it("two processors side by side never apply one PaymentIntent's events out of order or twice", async () => {
    // Given 60 PaymentIntents' stories stored at once, each story's events a few apart
    const stories = Array.from({ length: 60 }, () => story(randomUUID()));
    const events = Array.from({ length: 10 }, (_, group) =>
      interleaved(stories.slice(group * 6, group * 6 + 6)),
    ).flat();

    // When both instances' processors take them
    await storeAtOnce(first.dataSource, events);
    await waitFor('every event to be processed', () => processed(first.dataSource, events), {
      timeoutMs: 60_000,
    });

    // Then every order's story is told once, in the order it happened, each event applied once
    for (const s of stories) {
      expect(await publishedFor(first.dataSource, s.orderId)).toEqual(TOLD_IN_ORDER);
    }
    const rows = await statusesOf(first.dataSource, events);
    expect(rows.filter((r) => r.attempts !== 1)).toEqual([]);
  });
});

describe('what a batch leaves due behind it (real Postgres)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    // Given an instance that only receives: the test plays the processor
    t = await startPaymentsApp('due_of', { STRIPE_PROCESSOR_ENABLED: 'false' });
  });

  afterAll(() => t?.close());

  it('tells a batch, once marked done, whether another event of its PaymentIntents is due', async () => {
    // Given a PaymentIntent's first two events and another PaymentIntent's, stored and due
    const { events } = story(randomUUID());
    const [first, second] = [events[0], events[1]] as [StripeEvent, StripeEvent];
    const other = story(randomUUID()).events[0] as StripeEvent;
    await storeAtOnce(t.dataSource, [first, second, other]);
    const pi = (first as unknown as { data: { object: { id: string } } }).data.object.id;
    const repository = t.app.get(StripeEventsRepository);
    const markDone = (done: StripeEvent) =>
      t.dataSource.query(`UPDATE payments.stripe_events SET status = 'processed' WHERE id = $1`, [
        done.id,
      ]);
    const dueOfPaymentIntent = async () =>
      (await writeTogether(t.dataSource.manager, [repository.dueOf([pi])]))[0];

    // When a batch of the first is done, then the second is due behind it
    await markDone(first);
    expect(await dueOfPaymentIntent()).toBe(1);

    // And once the second is done too, nothing of that PaymentIntent is, whatever else is due
    await markDone(second);
    expect(await dueOfPaymentIntent()).toBe(0);
  });

  it('names with a claimed event the keys of the events waiting for its PaymentIntent, and makes due those alone, however many others wait', async () => {
    // Given a refund waiting for its PaymentIntent, its retry an hour away, 2,000 events waiting
    // for other PaymentIntents, and the PaymentIntent's first event due
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);
    const first = paymentIntentEvent('payment_intent.succeeded', pi, at(20));
    const waiting = refundOf(pi, at(30));
    const others = Array.from({ length: 2000 }, () => story(randomUUID()).events[2] as StripeEvent);
    await storeAtOnce(t.dataSource, [waiting, ...others]);
    await t.dataSource.query(
      `UPDATE payments.stripe_events SET attempts = 1, next_attempt_at = now() + interval '1 hour'
       WHERE id = ANY($1)`,
      [[waiting, ...others].map((e) => e.id)],
    );
    await storeAtOnce(t.dataSource, [first]);
    const repository = t.app.get(StripeEventsRepository);

    // When a transaction claims the first event and makes due what its claim names
    const { claimed, madeDue, read } = await t.dataSource.transaction(async (m) => {
      const claim = await repository.claimDue(m, 50);
      const mine = claim.events.find((e) => e.id === first.id);
      const keys = (mine?.other_ids ?? []).map((id, i) => ({
        id,
        created: mine?.other_created?.[i] as string,
      }));
      const before = await rowsRead(m, 'stripe\\_events%');
      const [n] = await writeTogether(m, [repository.makeDue(keys)]);
      return { claimed: mine, madeDue: n, read: (await rowsRead(m, 'stripe\\_events%')) - before };
    });

    // Then the claim named the refund alone, which is due now, and nothing else was read for it
    expect(claimed?.other_ids).toEqual([waiting.id]);
    expect(madeDue).toBe(1);
    const [row] = await t.dataSource.query(
      `SELECT next_attempt_at <= now() AS due FROM payments.stripe_events WHERE id = $1`,
      [waiting.id],
    );
    expect(row.due).toBe(true);
    expect(read).toBeLessThan(10);
  });
});

describe("a claim of Stripe events with their PaymentIntents' states (real Postgres)", () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    // Given an instance that only receives: the test plays the processor
    t = await startPaymentsApp('claim_states', { STRIPE_PROCESSOR_ENABLED: 'false' });
  });

  afterAll(() => t?.close());

  /** Whether another transaction could lock the PaymentIntent's state now, without waiting. */
  async function stateIsFree(paymentIntentId: string): Promise<boolean> {
    try {
      await t.dataSource.transaction((m) =>
        m.query(
          `SELECT 1 FROM payments.payment_states WHERE payment_intent_id = $1 FOR UPDATE NOWAIT`,
          [paymentIntentId],
        ),
      );
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === '55P03') return false;
      throw err;
    }
  }

  async function addState(paymentIntentId: string, orderId: string, state: PaymentState) {
    await t.dataSource.query(
      `INSERT INTO payments.payment_states (payment_intent_id, order_id, state) VALUES ($1, $2, $3)`,
      [paymentIntentId, orderId, JSON.stringify(state)],
    );
  }

  it('locks, in the claim itself, the states of the PaymentIntents whose events it may apply now, and not those of PaymentIntents whose events it holds back', async () => {
    // Given a PaymentIntent payments created, with a stored state and a due event, and another
    // whose first due event another transaction holds, its second due behind it; both with a state
    const readyOrder = randomUUID();
    const ready = paidPaymentIntent(readyOrder);
    const readyState: PaymentState = { ...INITIAL_PAYMENT_STATE, chargeId: 'ch_ready' };
    await addState(ready.id, readyOrder, readyState);
    await t.dataSource.query(
      `INSERT INTO payments.payment_intents (order_id, id, client_secret, amount, currency)
       VALUES ($1, $2, 'secret', 5000, 'usd')`,
      [readyOrder, ready.id],
    );
    const heldOrder = randomUUID();
    const heldEvents = story(heldOrder).events;
    const [heldFirst, heldSecond] = [heldEvents[0], heldEvents[1]] as [StripeEvent, StripeEvent];
    const held = (heldFirst as unknown as { data: { object: { id: string } } }).data.object;
    await addState(held.id, heldOrder, INITIAL_PAYMENT_STATE);
    const readyEvent = paymentIntentEvent('payment_intent.succeeded', ready, at(20));
    await storeAtOnce(t.dataSource, [heldFirst, heldSecond, readyEvent]);
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    const repository = t.app.get(StripeEventsRepository);
    const payments = t.app.get(PaymentsRepository);
    try {
      await other.query(`SELECT 1 FROM payments.stripe_events WHERE id = $1 FOR UPDATE`, [
        heldFirst.id,
      ]);

      // When a transaction claims due events with their states, and holds them
      await t.dataSource.transaction(async (m) => {
        const claim = await repository.claimDue(m, 50, payments.statesInClaim());

        // Then it has the ready event with what is stored of its PaymentIntent, not the held one
        const ids = claim.events.map((e) => e.id);
        expect(ids).toContain(readyEvent.id);
        expect(ids).not.toContain(heldSecond.id);
        expect(payments.knownOfClaimed(claim.events).get(ready.id)).toEqual({
          intentOrderId: readyOrder,
          stored: { orderId: readyOrder, state: readyState },
        });
        // And the ready PaymentIntent's state is locked until it ends; the held one's is not
        expect(await stateIsFree(ready.id)).toBe(false);
        expect(await stateIsFree(held.id)).toBe(true);
      });
      expect(await stateIsFree(ready.id)).toBe(true);
    } finally {
      await other.rollbackTransaction();
      await other.release();
    }
  });

  it('answers the state as another transaction committed it while the claim waited for its lock', async () => {
    // Given a PaymentIntent with a stored state and a due event, and another transaction that has
    // changed that state and not committed
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);
    await addState(pi.id, orderId, INITIAL_PAYMENT_STATE);
    await storeAtOnce(t.dataSource, [paymentIntentEvent('payment_intent.succeeded', pi, at(20))]);
    const theirs: PaymentState = { ...INITIAL_PAYMENT_STATE, chargeId: 'ch_changed_meanwhile' };
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    const payments = t.app.get(PaymentsRepository);
    let known: Map<string, KnownPayment>;
    try {
      await other.query(
        `UPDATE payments.payment_states SET state = $2 WHERE payment_intent_id = $1`,
        [pi.id, JSON.stringify(theirs)],
      );

      // When a claim waits for that state's lock, and the other transaction commits
      const claiming = t.dataSource.transaction(async (m) =>
        payments.knownOfClaimed(
          (await t.app.get(StripeEventsRepository).claimDue(m, 50, payments.statesInClaim()))
            .events,
        ),
      );
      await waitForLockWait(t.dataSource, 'the claim', 'WITH claimed AS MATERIALIZED%');
      await other.commitTransaction();
      known = await claiming;
    } finally {
      await other.release();
    }

    // Then the claim answers the state as committed, not as its snapshot saw it
    expect(known.get(pi.id)?.stored?.state).toEqual(theirs);
  });

  /** The claim's statement as the processor makes it, and a session of its own to plan it. */
  async function claimSession() {
    const text = dueClaimStatement(
      'payments.stripe_events',
      50,
      t.app.get(PaymentsRepository).statesInClaim(),
    );
    const session = t.dataSource.createQueryRunner();
    await session.connect();
    return { text, session };
  }

  it('reads the PaymentIntents of the events it claims by their keys, however many are stored since its plan was made', async () => {
    // Given a claim's statement prepared, and its plan kept, while a few hundred PaymentIntents
    // are stored (the size at which a kept plan read the states whole)
    await storeAtOnce(t.dataSource, [
      paymentIntentEvent('payment_intent.succeeded', paidPaymentIntent(randomUUID()), at(20)),
    ]);
    await addStates('pi_few_', 400);
    const { text, session } = await claimSession();
    const claims: { plan: PlanNode; statesRead: number }[] = [];
    const statesRead = () => rowsRead(session, 'payment\\_states');
    const explain = async () => {
      await session.startTransaction();
      try {
        const before = await statesRead();
        const [row] = await session.query(
          `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim_with_states`,
        );
        const plan = (row as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
        claims.push({ plan, statesRead: (await statesRead()) - before });
      } finally {
        await session.rollbackTransaction();
      }
    };
    try {
      await session.query(`SET plan_cache_mode = force_generic_plan`);
      await session.query(`PREPARE claim_with_states AS ${text}`);
      await explain();

      // When thousands more are stored, none analyzed, and the claim runs again
      await addStates('pi_stored_', 5000);
      await t.dataSource.query(
        `INSERT INTO payments.payment_intents (order_id, id, client_secret, amount, currency)
         SELECT gen_random_uuid(), 'pi_created_' || g, 'secret', 5000, 'usd' FROM generate_series(1, 5000) g`,
      );
      await explain();
    } finally {
      await session.query(`DEALLOCATE ALL; RESET plan_cache_mode`);
      await session.release();
      await t.dataSource.query(
        `DELETE FROM payments.payment_states WHERE payment_intent_id LIKE 'pi\\_few\\_%' OR payment_intent_id LIKE 'pi\\_stored\\_%'`,
      );
    }

    // Then neither time are the PaymentIntents read whole, and the second claim reads a few of
    // the 5,400 states, not all of them (5,401 rows with the plan kept since the first)
    for (const { plan } of claims) {
      const scanned = nodesOf(plan)
        .filter((n) => n['Node Type'] === 'Seq Scan')
        .map((n) => n['Relation Name']);
      expect(scanned).not.toContain('payment_states');
      expect(scanned).not.toContain('payment_intents');
    }
    expect(claims).toHaveLength(2);
    expect(claims[1]?.statesRead).toBeLessThan(100);
  });

  /** `count` states of PaymentIntents named `prefix` and a number, as if their events were applied. */
  async function addStates(prefix: string, count: number): Promise<void> {
    await t.dataSource.query(
      `INSERT INTO payments.payment_states (payment_intent_id, order_id, state)
       SELECT $1 || g, gen_random_uuid()::text, '{}'::jsonb FROM generate_series(1, $2::int) g`,
      [prefix, count],
    );
  }

  it('claims a batch from a backlog reading about a batch of events, however many are stored or due', async () => {
    // Given 5,000 events due among 20,000 processed, of as many PaymentIntents, with statistics
    // that say so (as autovacuum keeps them on a deployed server)
    const { text, session } = await claimSession();
    let plan: PlanNode | undefined;
    await session.startTransaction();
    try {
      await session.query(
        `INSERT INTO payments.stripe_events (id, type, created, livemode, payload, status)
         SELECT 'evt_backlog_' || g, 'payment_intent.succeeded', $1::bigint + g, false,
                jsonb_build_object('id', 'evt_backlog_' || g, 'type', 'payment_intent.succeeded',
                  'data', jsonb_build_object('object', jsonb_build_object('id', 'pi_backlog_' || g))),
                CASE WHEN g > 20000 THEN 'received' ELSE 'processed' END
         FROM generate_series(1, 25000) g`,
        [at(1000)],
      );
      await session.query(`ANALYZE payments.stripe_events`);

      // When the claim runs, planned once for any backlog
      await session.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      await session.query(`PREPARE claim_from_backlog AS ${text}`);
      const [row] = await session.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE claim_from_backlog`,
      );
      plan = (row as { 'QUERY PLAN': [{ Plan: PlanNode }] })['QUERY PLAN'][0].Plan;
    } finally {
      await session.rollbackTransaction();
      await session.query(`DEALLOCATE ALL`);
      await session.release();
    }

    // Then it claims a full batch, and reads a few batches' worth of events, not the backlog
    // nor every event stored
    if (!plan) throw new Error('the claim was not explained');
    expect(plan['Actual Rows']).toBe(50);
    const eventsRead = stripeEventsRead(plan);
    expect(eventsRead).toBeLessThan(500);
  });
});

interface PlanNode {
  readonly 'Node Type': string;
  readonly 'Relation Name'?: string;
  readonly 'Actual Rows'?: number;
  readonly 'Actual Loops'?: number;
  readonly 'Rows Removed by Filter'?: number;
  readonly 'Rows Removed by Index Recheck'?: number;
  readonly Plans?: readonly PlanNode[];
}

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

/** The rows of payments' tables named `LIKE` the pattern this transaction has read so far. */
async function rowsRead(db: Pick<EntityManager, 'query'>, like: string): Promise<number> {
  const [row] = await db.query(
    `SELECT sum(seq_tup_read + COALESCE(idx_tup_fetch, 0))::int AS n FROM pg_stat_xact_user_tables
     WHERE schemaname = 'payments' AND relname LIKE $1`,
    [like],
  );
  return (row as { n: number | null } | undefined)?.n ?? 0;
}

/** The Stripe events a plan's nodes read: the rows they kept and the ones they looked at and left. */
function stripeEventsRead(plan: PlanNode): number {
  return nodesOf(plan)
    .filter((n) => n['Relation Name']?.startsWith('stripe_events'))
    .reduce(
      (sum, n) =>
        sum +
        ((n['Actual Rows'] ?? 0) +
          (n['Rows Removed by Filter'] ?? 0) +
          (n['Rows Removed by Index Recheck'] ?? 0)) *
          (n['Actual Loops'] ?? 1),
      0,
    );
}

describe('a claim that loses a deadlock (real Postgres and Kafka)', () => {
  let t: PaymentsTestApp;

  beforeAll(async () => {
    // Polls a minute apart: only a claim made again at once can take an event within the test
    t = await startPaymentsApp('claim_deadlock', { STRIPE_PROCESSOR_POLL_MS: '60000' });
  });

  afterAll(() => t?.close());

  it("claims again at once when its wait for a PaymentIntent's state ends in a deadlock", async () => {
    // Given another transaction holding a PaymentIntent's state
    const orderId = randomUUID();
    const pi = paidPaymentIntent(orderId);
    await t.dataSource.query(
      `INSERT INTO payments.payment_states (payment_intent_id, order_id, state) VALUES ($1, $2, $3)`,
      [pi.id, orderId, JSON.stringify(INITIAL_PAYMENT_STATE)],
    );
    const other = t.dataSource.createQueryRunner();
    await other.connect();
    await other.startTransaction();
    const succeeded = paymentIntentEvent('payment_intent.succeeded', pi, at(20));
    const bystander = paymentIntentEvent(
      'payment_intent.payment_failed',
      paidPaymentIntent(randomUUID()),
      at(10),
    );
    try {
      await other.query(
        `UPDATE payments.payment_states SET updated_at = now() WHERE payment_intent_id = $1`,
        [pi.id],
      );

      // When the processor's claim takes the PaymentIntent's event with another and waits for
      // the state, and the other transaction then waits for that other event: a deadlock, which
      // the claim, waiting first, loses
      await storeAtOnce(t.dataSource, [bystander, succeeded]);
      await waitForLockWait(t.dataSource, 'the claim', 'WITH claimed AS MATERIALIZED%');
      await other.query(`SELECT 1 FROM payments.stripe_events WHERE id = $1 FOR UPDATE`, [
        bystander.id,
      ]);
      await other.commitTransaction();
    } finally {
      await other.release();
    }

    // Then the payment is processed well before the next poll
    await waitFor('the payment to be processed', () => processed(t.dataSource, [succeeded]), {
      timeoutMs: 15_000,
    });
    expect(await publishedFor(t.dataSource, orderId)).toEqual(['payment.succeeded']);
  });
});
