import { type LoadDriver, waitFor } from '@switchyard/testing';
import { type FaultStack, type Subscription } from './fault-stack';

interface OutboxEvent {
  readonly subject: string;
  readonly type: string;
  readonly id: string;
  readonly providerEventId: string | null;
  /** When the event was written, in its service's transaction (ms since the epoch). */
  readonly writtenAt: number;
}

export interface Spread {
  readonly p50: number;
  readonly max: number;
}

/** What one scenario did, as the suite reports it. */
export interface LedgerReport {
  readonly orders: number;
  readonly stripeEvents: number;
  readonly webhooksExpected: number;
  /** Receipts beyond the first of the same message at the same endpoint (at-least-once). */
  readonly repeats: number;
  /** From Stripe's 200 to the partner's first receipt of `order.paid`, over the scenario. */
  readonly paidLatencyMs: Spread;
  /**
   * The same path cut at each service, so a stall shows where it happened: payments (Stripe's
   * 200 to `payment.succeeded` written), orders (that to `order.paid` written: the payments
   * relay, Kafka and the orders consumer), notifications (that to the partner's first receipt:
   * the orders relay, Kafka, fan-out and delivery).
   */
  readonly stageLatencyMs: {
    readonly payments: Spread;
    readonly orders: Spread;
    readonly notifications: Spread;
  };
  /** Non-2xx answers the clients got, by status and code (503 database_unavailable, say). */
  readonly refusals: Record<string, number>;
}

function matches(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))),
  );
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * The promise every scenario ends with, checked against the database and the partners' sinks:
 * every acknowledged order exists once and, once its Stripe event was acknowledged, is paid
 * once (version 2, one `order.created` and one `order.paid` in its outbox); every acknowledged
 * Stripe event was processed into exactly one `payment.succeeded`; every endpoint subscribed to
 * an event received it at least once, every receipt of one message under one `webhook-id`.
 * Returns the problems found (empty when the promise held) and the report.
 */
export async function checkLedger(
  stack: FaultStack,
  driver: LoadDriver,
  subscriptions: readonly Subscription[] = stack.subscriptions,
): Promise<{ problems: string[]; report: LedgerReport }> {
  const problems: string[] = [];
  const orderIds = driver.orders.map((o) => o.orderId);
  const paidIds = new Set(driver.stripeEvents.map((e) => e.orderId));
  const { orders, events } = await stack.query(async (db) => {
    const orders = await db.query<{ id: string; status: string; version: number }>(
      'SELECT id, status, version FROM orders.orders WHERE id = ANY($1::uuid[])',
      [orderIds],
    );
    const events = await db.query<OutboxEvent>(
      `SELECT message_key AS subject, payload::jsonb->>'type' AS type, payload::jsonb->>'id' AS id,
              payload::jsonb->'data'->>'providerEventId' AS "providerEventId",
              (extract(epoch FROM created_at) * 1000)::float8 AS "writtenAt"
       FROM orders.outbox WHERE message_key = ANY($1)
       UNION ALL
       SELECT message_key, payload::jsonb->>'type', payload::jsonb->>'id',
              payload::jsonb->'data'->>'providerEventId', (extract(epoch FROM created_at) * 1000)::float8
       FROM payments.outbox WHERE message_key = ANY($1)`,
      [orderIds],
    );
    return { orders: orders.rows, events: events.rows };
  });

  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const orderId of orderIds) {
    const order = byId.get(orderId);
    const expected = paidIds.has(orderId)
      ? { status: 'paid', version: 2 }
      : { status: 'pending_payment', version: 1 };
    if (!order) problems.push(`acknowledged order ${orderId} does not exist`);
    else if (order.status !== expected.status || order.version !== expected.version)
      problems.push(
        `order ${orderId} is ${order.status} v${order.version}, expected ${expected.status} v${expected.version}`,
      );
    const of = (type: string) => events.filter((e) => e.subject === orderId && e.type === type);
    const want = { 'order.created': 1, 'order.paid': paidIds.has(orderId) ? 1 : 0 };
    for (const [type, n] of Object.entries(want)) {
      if (of(type).length !== n)
        problems.push(`order ${orderId} has ${of(type).length} ${type} events, expected ${n}`);
    }
  }
  for (const stripeEvent of driver.stripeEvents) {
    const n = events.filter(
      (e) => e.type === 'payment.succeeded' && e.providerEventId === stripeEvent.stripeEventId,
    ).length;
    if (n !== 1)
      problems.push(`Stripe event ${stripeEvent.stripeEventId} became ${n} payment.succeeded`);
  }

  let webhooksExpected = 0;
  let repeats = 0;
  const firstPaidReceipt = new Map<string, number>();
  for (const subscription of subscriptions) {
    const receipts = new Map<string, { ok: number; webhookIds: Set<string> }>();
    for (const r of subscription.sink.received) {
      if (!r.verified.ok) {
        problems.push(
          `${subscription.name} got a webhook that does not verify: ${r.verified.error}`,
        );
        continue;
      }
      const payload = r.verified.payload as { id: string; type: string; subject: string };
      const entry = receipts.get(payload.id) ?? { ok: 0, webhookIds: new Set<string>() };
      entry.webhookIds.add(String(r.headers['webhook-id']));
      if (r.answered >= 200 && r.answered < 300) {
        entry.ok++;
        if (payload.type === 'order.paid' && !firstPaidReceipt.has(payload.subject))
          firstPaidReceipt.set(payload.subject, r.receivedAt);
      }
      receipts.set(payload.id, entry);
    }
    for (const event of events) {
      if (!matches(subscription.eventTypes, event.type)) continue;
      webhooksExpected++;
      const entry = receipts.get(event.id);
      if (!entry || entry.ok === 0)
        problems.push(`${subscription.name} never received ${event.type} ${event.id}`);
      else {
        repeats += entry.ok - 1;
        if (entry.webhookIds.size !== 1)
          problems.push(
            `${subscription.name} got ${event.id} under ${entry.webhookIds.size} webhook-ids`,
          );
      }
    }
  }

  const written = (type: string, orderId: string) =>
    events.find((e) => e.type === type && e.subject === orderId)?.writtenAt ?? Number.NaN;
  const spread = (values: number[]): Spread => {
    const finite = values.filter((ms) => Number.isFinite(ms)).map((ms) => Math.max(0, ms));
    return { p50: Math.round(percentile(finite, 50)), max: Math.round(Math.max(0, ...finite)) };
  };
  const paid = driver.stripeEvents;
  const stageLatencyMs = {
    payments: spread(paid.map((e) => written('payment.succeeded', e.orderId) - e.ackAt)),
    orders: spread(
      paid.map((e) => written('order.paid', e.orderId) - written('payment.succeeded', e.orderId)),
    ),
    notifications: spread(
      paid.map(
        (e) => (firstPaidReceipt.get(e.orderId) ?? Number.NaN) - written('order.paid', e.orderId),
      ),
    ),
  };
  const refusals: Record<string, number> = {};
  for (const r of driver.refusals) {
    const key = `${r.target} ${r.status} ${r.code}`;
    refusals[key] = (refusals[key] ?? 0) + 1;
  }
  return {
    problems,
    report: {
      orders: driver.orders.length,
      stripeEvents: driver.stripeEvents.length,
      webhooksExpected,
      repeats,
      paidLatencyMs: spread(
        paid.map((e) => (firstPaidReceipt.get(e.orderId) ?? Number.NaN) - e.ackAt),
      ),
      stageLatencyMs,
      refusals,
    },
  };
}

/**
 * Waits (with a deadline) until the ledger balances, then returns its report; fails listing what
 * is still missing or wrong.
 */
export async function settleLedger(
  stack: FaultStack,
  driver: LoadDriver,
  scenario: string,
  timeoutMs = 90_000,
): Promise<LedgerReport> {
  let last: { problems: string[]; report: LedgerReport } | undefined;
  try {
    await waitFor(
      `the ledger of "${scenario}" to balance`,
      async () => {
        last = await checkLedger(stack, driver);
        return last.problems.length === 0;
      },
      { timeoutMs, intervalMs: 1000 },
    );
  } catch (err) {
    const problems = last?.problems ?? [];
    throw new Error(
      `${(err as Error).message}\n${problems.length} problems, first ones:\n${problems.slice(0, 20).join('\n')}`,
    );
  }
  const report = (last as { report: LedgerReport }).report;
  console.log(`[fault suite] ${scenario}: ${JSON.stringify(report)}`);
  return report;
}
