// End to end: signed Stripe `payment_intent.succeeded` events, paced at 50, 200 and 1,000 per
// second, for orders placed first through POST /orders; measured from payments' 200 answer to
// the partner sink's receipt of `order.paid` (payments stores, processes, publishes
// payment.succeeded; orders marks the order paid and publishes order.paid; notifications fans it
// out and delivers it, signed). All three services run as processes on one fresh database and a
// Kafka prefix of the run's own; the sink is its own process; the load is open-loop (events go
// out on schedule whatever the answers do), from this process.
//
// Beside it, in the same run: the floor, one loopback POST to the same sink paced at the same
// rate (what the last hop alone costs on this machine), and the offered rate, which is the
// throughput ceiling of a paced run (× offered is delivered/s ÷ offered/s).
// Lag: the p50 of the first and of the last tenth of events (by send order), and the backlog
// when the last event was answered (events answered, order.paid not yet received).
// Checks (non-zero exit if any fails): every event answered 200, every order.paid received
// exactly once, every request signed and a sample verified with `standardwebhooks`.
// Then, for order POST → partner receipt of `order.created`: orders paced at BENCH_ORDER_RATES
// (default 50/s) to an endpoint of its own on a second sink port, with the same checks.
// Reproduce: `npm run bench:e2e` (see docs/benchmarks.md).
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  ADMIN_TOKEN,
  fmt,
  freshDatabase,
  httpJson,
  kafkaPrefix,
  listSetting,
  machineLine,
  median,
  nowMs,
  percentile,
  ResourceMonitor,
  resourceTable,
  runBench,
  setting,
  paced,
  sleep,
  startService,
  startSink,
  statementCalls,
  statementsPer,
  STRIPE_WEBHOOK_SECRET,
  stripePaymentSucceeded,
  table,
  writeResults,
} from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
const { Pool } = require('undici');
const { StripeSignatureVerifier } = require('../../../dist/libs/signing/src/index.js');

/** One signer for the run: a signer per event made its HMAC key again each time. */
const stripeSigner = new StripeSignatureVerifier(STRIPE_WEBHOOK_SECRET);

const RATES = listSetting('BENCH_RATES', [50, 200, 1000], [50, 200, 1000]);
const SECONDS = setting('BENCH_E2E_SECONDS', 2, 30);
/** Orders per second for order POST → partner receipt of order.created. */
const ORDER_RATES = listSetting('BENCH_ORDER_RATES', [50], [50]);
const WARMUP_SECONDS = setting('BENCH_E2E_WARMUP_SECONDS', 2, 20);
/** Gives up waiting for receipts when none arrives for this long. */
const STALL_MS = setting('BENCH_STALL_MS', 30_000, 60_000);
const LINES = [
  { sku: 'mug-blue', quantity: 2, unitPrice: 1250 },
  { sku: 'tea-earl-grey', quantity: 1, unitPrice: 799 },
];
const AMOUNT = 3299;

/** One POST /orders, as a checkout sends it (its own Idempotency-Key); the status and the body. */
async function postOrder(pool) {
  const res = await pool.request({
    method: 'POST',
    path: '/orders',
    headers: {
      'content-type': 'application/json',
      'idempotency-key': `bench-${randomUUID()}`,
    },
    body: JSON.stringify({ customerId: 'cus_bench', currency: 'usd', lines: LINES }),
  });
  return { status: res.statusCode, text: await res.body.text() };
}

/** Places `count` orders through POST /orders (20 at a time); resolves with their ids. */
async function placeOrders(ordersUrl, count) {
  const pool = new Pool(ordersUrl, { connections: 20 });
  const ids = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = next++; i < count; i = next++) {
        const { status, text } = await postOrder(pool);
        if (status !== 201) throw new Error(`POST /orders: ${status} ${text}`);
        ids[i] = JSON.parse(text).id;
      }
    }),
  );
  await pool.close();
  return ids;
}

/** Waits until `want` receipts of `type` arrived, or none came for STALL_MS. */
async function waitForReceipts(sink, want) {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await sink.stats();
    if (stats.received >= want) {
      await sleep(1000); // a duplicate would show up now
      return;
    }
    if (stats.received !== last) [last, lastChange] = [stats.received, Date.now()];
    else if (Date.now() - lastChange > STALL_MS) return;
    await sleep(250);
  }
}

/** Waits until notifications has taken in every order.created so far (the pipeline is idle). */
async function waitForQuiet(db, orders) {
  for (let i = 0; i < 600; i++) {
    const [row] = await db.query(
      `SELECT (SELECT count(*)::int FROM notifications.inbox WHERE event_type = 'order.created') AS seen,
              (SELECT count(*)::int FROM orders.outbox WHERE published_at IS NULL) AS unpublished`,
    );
    if (row.seen >= orders && row.unpublished === 0) return;
    await sleep(500);
  }
  throw new Error('the order.created events of the setup did not get through in 5 minutes');
}

/** The floor: one loopback POST to the same sink, paced at the same rate; receipt − send. */
async function floor(sink, rate, count) {
  await sink.reset({ record: true });
  const pool = new Pool(new URL(sink.urls[0]).origin, { connections: 64 });
  const sentAt = new Map();
  await paced(rate, count, async (i) => {
    const id = `floor_${i}`;
    sentAt.set(id, nowMs());
    const res = await pool.request({
      method: 'POST',
      path: '/hook',
      headers: { 'webhook-id': id },
      body: '{}',
    });
    await res.body.dump();
  });
  await pool.close();
  const events = await sink.events();
  const latencies = events.map((e) => e.at - sentAt.get(e.id)).sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/**
 * Where each event's time went, hop by hop, from the timestamps the services wrote: payments
 * stored it, processed it, its relay published `payment.succeeded`; orders took it in (inbox)
 * and its relay published `order.paid`; notifications took that in and recorded the attempt.
 * Medians and p99 per hop, in ms (one machine, one clock).
 */
const HOPS = [
  ['stored → processed (payments processor)', 'stored', 'processed'],
  ['processed → published (payments relay)', 'processed', 'paymentPublished'],
  ['published → taken in by orders (Kafka, consumer)', 'paymentPublished', 'ordersReceived'],
  ['taken in → order.paid published (orders relay)', 'ordersReceived', 'paidPublished'],
  ['published → taken in by notifications', 'paidPublished', 'notificationsReceived'],
  ['taken in → attempt recorded (fan-out, claim, send)', 'notificationsReceived', 'attempted'],
];

async function hopLatencies(db, orderIds) {
  const rows = await db.query(
    // Each part computed once and joined by hash: as plain CTEs, inlined, the plan re-read the
    // outboxes (casting every payload to jsonb) for every event, minutes at 30,000 events.
    `WITH se AS MATERIALIZED (
       SELECT payload->'data'->'object'->'metadata'->>'order_id' AS order_id, received_at, processed_at
       FROM payments.stripe_events
       WHERE type = 'payment_intent.succeeded'
         AND payload->'data'->'object'->'metadata'->>'order_id' = ANY($1::text[])),
     po AS MATERIALIZED (
       SELECT message_key AS order_id, event_id, published_at FROM payments.outbox
       WHERE message_key = ANY($1::text[]) AND payload::jsonb->>'type' = 'payment.succeeded'),
     oo AS MATERIALIZED (
       SELECT message_key AS order_id, event_id, published_at FROM orders.outbox
       WHERE message_key = ANY($1::text[]) AND payload::jsonb->>'type' = 'order.paid'),
     oi AS MATERIALIZED (
       SELECT event_id, received_at FROM orders.inbox WHERE event_id IN (SELECT event_id FROM po)),
     ni AS MATERIALIZED (
       SELECT event_id, received_at FROM notifications.inbox WHERE event_id IN (SELECT event_id FROM oo)),
     nd AS MATERIALIZED (
       SELECT d.event_id, min(a.attempted_at) AS attempted_at
       FROM notifications.deliveries d JOIN notifications.attempts a ON a.delivery_id = d.id
       WHERE d.event_id IN (SELECT event_id FROM oo)
       GROUP BY d.event_id)
     SELECT extract(epoch FROM se.received_at) * 1000 AS stored,
            extract(epoch FROM se.processed_at) * 1000 AS processed,
            extract(epoch FROM po.published_at) * 1000 AS "paymentPublished",
            extract(epoch FROM oi.received_at) * 1000 AS "ordersReceived",
            extract(epoch FROM oo.published_at) * 1000 AS "paidPublished",
            extract(epoch FROM ni.received_at) * 1000 AS "notificationsReceived",
            extract(epoch FROM nd.attempted_at) * 1000 AS attempted
     FROM se JOIN po USING (order_id)
       JOIN oi ON oi.event_id = po.event_id
       JOIN oo ON oo.order_id = se.order_id
       JOIN ni ON ni.event_id = oo.event_id
       JOIN nd ON nd.event_id = oo.event_id`,
    [orderIds],
  );
  if (process.env.BENCH_LATENCIES_DIR) {
    const file = path.join(process.env.BENCH_LATENCIES_DIR, `e2e-hops-${orderIds.length}.json`);
    writeFileSync(file, JSON.stringify(rows));
  }
  return HOPS.map(([hop, from, to]) => {
    const sorted = rows
      .map((r) => Number(r[to]) - Number(r[from]))
      .filter(Number.isFinite)
      .sort((a, b) => a - b);
    return { hop, events: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  });
}

/**
 * POSTs a signed `payment_intent.succeeded` for each order to payments, paced at `rate`; each
 * answer with its send and answer times.
 */
async function payPaced(paymentsUrl, orderIds, rate) {
  const count = orderIds.length;
  const pool = new Pool(paymentsUrl, { connections: 64 });
  const answers = new Array(count);
  const { maxLateMs } = await paced(rate, count, async (i) => {
    const body = stripePaymentSucceeded(orderIds[i], AMOUNT);
    const sentAt = nowMs();
    let status = 0;
    try {
      const res = await pool.request({
        method: 'POST',
        path: '/webhooks/stripe',
        headers: {
          'content-type': 'application/json',
          'stripe-signature': stripeSigner.sign(body),
        },
        body,
      });
      status = res.statusCode;
      await res.body.dump();
    } catch (err) {
      status = err.code ?? 'error';
    }
    answers[i] = { orderId: orderIds[i], sentAt, answeredAt: nowMs(), status };
  });
  await pool.close();
  return { answers, maxLateMs };
}

/**
 * Before the first measured rate: the same traffic for WARMUP_SECONDS, not counted, so the
 * measured events do not pay for the first calls of each code path (V8 compiling it, the first
 * statements planned, pools filled), as the other benchmarks warm up too. Until this, the first
 * tenth of a 50/s run took 3 to 6 times the last tenth's p50, and that was most of its p99.
 */
async function warmUp(ctx, rate) {
  const { db, sink, services, secrets } = ctx;
  const count = Math.max(1, Math.round(rate * WARMUP_SECONDS));
  const orderIds = await placeOrders(services.orders.url, count);
  ctx.ordersPlaced += count;
  await waitForQuiet(db, ctx.ordersPlaced);
  await sink.reset({ secrets, verifyEvery: 10 });
  const { answers } = await payPaced(services.payments.url, orderIds, rate);
  await waitForReceipts(sink, answers.filter((a) => a.status === 200).length);
}

/** The benchmark's own processes, whose CPU is reported beside the services'. */
function harnessOf(sink) {
  return { 'load generator': process.pid, sink: sink.pid };
}

async function run(ctx, rate) {
  const { db, sink, services, secrets } = ctx;
  const count = rate * SECONDS;
  const orderIds = await placeOrders(services.orders.url, count);
  ctx.ordersPlaced += count;
  await waitForQuiet(db, ctx.ordersPlaced);
  const floorLatency = await floor(sink, rate, Math.min(count, rate * 3));

  await sink.reset({ secrets, verifyEvery: 10, record: true });
  const monitor = new ResourceMonitor(Object.values(services), harnessOf(sink));
  await monitor.start();
  const statementsBefore = await statementCalls(db.name);
  const { answers, maxLateMs } = await payPaced(services.payments.url, orderIds, rate);
  const acknowledged = answers.filter((a) => a.status === 200);
  await waitForReceipts(sink, acknowledged.length);
  const resources = await monitor.stop();
  const statements = statementsPer(
    statementsBefore,
    await statementCalls(db.name),
    acknowledged.length,
  );

  const hops = await hopLatencies(
    db,
    acknowledged.map((a) => a.orderId),
  );
  return {
    rate,
    ...(await receiptLatencies(sink, 'order.paid', answers, count)),
    maxLateMs,
    floor: floorLatency,
    resources,
    hops,
    statements,
  };
}

/**
 * POSTs an order to orders at `rate` per second (open loop); each answer with its order id, send
 * and answer times.
 */
async function orderPaced(ordersUrl, rate, count) {
  const pool = new Pool(ordersUrl, { connections: 64 });
  const answers = new Array(count);
  const { maxLateMs } = await paced(rate, count, async (i) => {
    const sentAt = nowMs();
    let status = 0;
    let orderId = null;
    try {
      const answer = await postOrder(pool);
      status = answer.status;
      if (status === 201) orderId = JSON.parse(answer.text).id;
    } catch (err) {
      status = err.code ?? 'error';
    }
    answers[i] = { orderId, sentAt, answeredAt: nowMs(), status };
  });
  await pool.close();
  return { answers, maxLateMs };
}

/**
 * Order POST → partner receipt of `order.created`, paced at `rate`: orders commits the order and
 * its event in one statement and answers 201; its relay publishes; notifications takes it in,
 * fans it out to the endpoint subscribed to order.created and delivers it, signed.
 */
async function runOrderCreated(ctx, rate) {
  const { sink, services, secrets } = ctx;
  const count = rate * SECONDS;
  await sink.reset({ secrets, verifyEvery: 10, record: true });
  const monitor = new ResourceMonitor(Object.values(services), harnessOf(sink));
  await monitor.start();
  const { answers, maxLateMs } = await orderPaced(services.orders.url, rate, count);
  ctx.ordersPlaced += count;
  await waitForReceipts(sink, answers.filter((a) => a.status === 201).length);
  const resources = await monitor.stop();
  return {
    rate,
    ...(await receiptLatencies(sink, 'order.created', answers, count)),
    maxLateMs,
    resources,
  };
}

/**
 * Latency from each answer to the sink's receipt of `type` for its order, with the checks:
 * answered 200, received exactly once, nothing else received, signed, a sample verified.
 */
async function receiptLatencies(sink, type, answers, count) {
  const lastAnswerAt = Math.max(...answers.map((a) => a.answeredAt));
  const acknowledged = answers.filter((a) => a.status === 200 || a.status === 201);
  const stats = await sink.stats();
  const receipts = new Map();
  let duplicates = 0;
  let stray = 0;
  for (const e of await sink.events()) {
    if (e.type !== type) stray++;
    else if (receipts.has(e.orderId)) duplicates++;
    else receipts.set(e.orderId, e.at);
  }
  const latencies = [];
  let lost = 0;
  let backlogAtEnd = 0;
  for (const a of acknowledged) {
    const at = receipts.get(a.orderId);
    if (at === undefined) {
      lost++;
      latencies.push(NaN);
      continue;
    }
    latencies.push(at - a.answeredAt);
    if (at > lastAnswerAt) backlogAtEnd++;
  }
  if (process.env.BENCH_LATENCIES_DIR) {
    // Each event's latency in send order, with its send time, for a look at when the slow ones came.
    const file = path.join(process.env.BENCH_LATENCIES_DIR, `e2e-${type}-${count}.json`);
    writeFileSync(
      file,
      JSON.stringify(acknowledged.map((a, i) => [Math.round(a.sentAt), latencies[i]])),
    );
  }
  const tenth = Math.max(1, Math.floor(latencies.length / 10));
  const sortedOf = (xs) => xs.filter(Number.isFinite).sort((a, b) => a - b);
  const all = sortedOf(latencies);
  const answer = sortedOf(answers.map((a) => a.answeredAt - a.sentAt));
  const firstTenth = percentile(sortedOf(latencies.slice(0, tenth)), 50);
  const lastTenth = percentile(sortedOf(latencies.slice(-tenth)), 50);
  const lastReceipt = Math.max(...receipts.values());
  const problems = [];
  if (acknowledged.length !== count)
    problems.push(
      `${count - acknowledged.length} requests not answered 2xx (${[...new Set(answers.filter((a) => !acknowledged.includes(a)).map((a) => a.status))].join(', ')})`,
    );
  if (lost) problems.push(`${lost} ${type} never arrived`);
  if (duplicates || stats.duplicates)
    problems.push(`${Math.max(duplicates, stats.duplicates)} ${type} received more than once`);
  if (stray) problems.push(`${stray} receipts that are not ${type}`);
  if (stats.unsigned) problems.push(`${stats.unsigned} requests without a signature`);
  if (stats.badSignatures)
    problems.push(`${stats.badSignatures} signatures that do not verify: ${stats.firstError}`);
  if (stats.verified === 0) problems.push('no signature was verified');
  return {
    count,
    delivered: receipts.size / ((lastReceipt - answers[0].sentAt) / 1000),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.at(-1),
    firstTenth,
    lastTenth,
    grows: lastTenth > 2 * firstTenth && lastTenth - firstTenth > 100,
    backlogAtEnd,
    intakeP99: percentile(answer, 99),
    verified: stats.verified,
    lost,
    duplicates: Math.max(duplicates, stats.duplicates),
    problems,
  };
}

/** One row per rate: throughput, latency, lag, the answer's p99 and the checks. */
function receiptTable(results, { units, answer }) {
  const withFloor = results.some((r) => r.floor);
  return table(
    [
      'offered /s',
      units,
      'delivered /s',
      '× offered',
      'p50 ms',
      'p99 ms',
      'max ms',
      'first tenth p50 ms',
      'last tenth p50 ms',
      'lag grows',
      'backlog at last answer',
      ...(withFloor ? ['floor p50 / p99 ms'] : []),
      answer,
      'signatures verified',
      'lost',
      'duplicated',
      'checks',
    ],
    results.map((r) => [
      fmt.int(r.rate),
      fmt.int(r.count),
      fmt.int(r.delivered),
      fmt.ratio(r.delivered / r.rate),
      fmt.ms(r.p50),
      fmt.ms(r.p99),
      fmt.ms(r.max),
      fmt.ms(r.firstTenth),
      fmt.ms(r.lastTenth),
      r.grows ? '**yes**' : 'no',
      fmt.int(r.backlogAtEnd),
      ...(withFloor ? [`${fmt.ms(r.floor.p50)} / ${fmt.ms(r.floor.p99)}`] : []),
      fmt.ms(r.intakeP99),
      fmt.int(r.verified),
      fmt.int(r.lost),
      fmt.int(r.duplicates),
      r.problems.length ? `**FAILED**: ${r.problems.join('; ')}` : 'pass',
    ]),
    `rrrrrrrrrl${withFloor ? 'rrrrrr' : 'rrrrr'}l`,
  );
}

await runBench(async () => {
  const db = await freshDatabase('e2e');
  const prefix = kafkaPrefix(db.name);
  const sink = await startSink(2);
  const services = {};
  for (const name of ['orders', 'payments', 'notifications'])
    services[name] = await startService(name, { databaseUrl: db.url, prefix });
  const partner = await httpJson('POST', `${services.notifications.url}/v1/partners`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { name: 'Bench partner' },
  });
  const endpoint = await httpJson('POST', `${services.notifications.url}/v1/endpoints`, {
    headers: { authorization: `Bearer ${partner.apiKey}` },
    body: { url: sink.urls[0], eventTypes: ['order.paid'] },
  });
  const ctx = {
    db,
    sink,
    services,
    secrets: { [sink.ports[0]]: endpoint.secret },
    ordersPlaced: 0,
  };

  if (WARMUP_SECONDS > 0) await warmUp(ctx, RATES[0]);
  const results = [];
  for (const rate of RATES) {
    const result = await run(ctx, rate);
    results.push(result);
    process.stderr.write(
      `e2e at ${rate}/s: p50 ${fmt.ms(result.p50)} ms, p99 ${fmt.ms(result.p99)} ms${result.problems.length ? `; FAILED: ${result.problems.join('; ')}` : ''}\n`,
    );
  }
  // order.created gets an endpoint of its own once every earlier order.created is through, so
  // only the orders placed from here on reach it.
  await waitForQuiet(db, ctx.ordersPlaced);
  const createdEndpoint = await httpJson('POST', `${services.notifications.url}/v1/endpoints`, {
    headers: { authorization: `Bearer ${partner.apiKey}` },
    body: { url: sink.urls[1], eventTypes: ['order.created'] },
  });
  ctx.secrets[sink.ports[1]] = createdEndpoint.secret;
  const createdResults = [];
  for (const rate of ORDER_RATES) {
    if (WARMUP_SECONDS > 0) {
      await sink.reset({ secrets: ctx.secrets });
      const count = Math.max(1, Math.round(rate * WARMUP_SECONDS));
      await orderPaced(services.orders.url, rate, count);
      ctx.ordersPlaced += count;
      await waitForReceipts(sink, count);
    }
    const result = await runOrderCreated(ctx, rate);
    createdResults.push(result);
    process.stderr.write(
      `order.created at ${rate}/s: p50 ${fmt.ms(result.p50)} ms, p99 ${fmt.ms(result.p99)} ms${result.problems.length ? `; FAILED: ${result.problems.join('; ')}` : ''}\n`,
    );
  }
  for (const s of Object.values(services)) await s.stop();
  await sink.stop();
  // Latency itself does not carry from one machine to another, and the floor (a sub-millisecond
  // loopback POST) is too small and too noisy to divide by; delivered ÷ offered does carry.
  writeResults('e2e', [
    ...results.map((r) => ({ name: `e2e.rate-${r.rate}.x-offered`, ratio: r.delivered / r.rate })),
    ...createdResults.map((r) => ({
      name: `e2e.order-created-rate-${r.rate}.x-offered`,
      ratio: r.delivered / r.rate,
    })),
  ]);

  console.log(
    `# end to end, Stripe webhook 200 → partner receipt of order.paid: ${machineLine()}; ${SECONDS} s of paced events per rate\n`,
  );
  console.log(receiptTable(results, { units: 'events', answer: 'intake answer p99 ms' }));
  console.log(
    `\n# end to end, order POST 201 → partner receipt of order.created, ${SECONDS} s of paced orders per rate\n`,
  );
  console.log(receiptTable(createdResults, { units: 'orders', answer: 'orders answer p99 ms' }));
  console.log(
    "\nWhere the time went, hop by hop (p50 / p99 ms, from the services' own timestamps):\n",
  );
  console.log(
    table(
      ['hop', ...results.map((r) => `${fmt.int(r.rate)}/s`)],
      HOPS.map(([hop], i) => [
        hop,
        ...results.map((r) => `${fmt.ms(r.hops[i].p50)} / ${fmt.ms(r.hops[i].p99)}`),
      ]),
      'l' + 'r'.repeat(results.length),
    ),
  );
  const counted = results.filter((r) => r.statements);
  if (counted.length)
    console.log(
      `\nPostgres statements per paid order (pg_stat_statements; BEGIN and COMMIT included): ${counted
        .map(
          (r) =>
            `${fmt.int(r.rate)}/s ${r.statements.total.toFixed(1)} statements, ${r.statements.execMs.toFixed(2)} ms executing and ${r.statements.planMs.toFixed(2)} ms planning`,
        )
        .join(
          '; ',
        )}. The statements that took most time, per paid order (calls, then ms executing + planning):\n\n${table(
        ['statement', ...counted.map((r) => `${fmt.int(r.rate)}/s`)],
        [
          ...new Set(counted.flatMap((r) => r.statements.rows.slice(0, 15).map((x) => x.query))),
        ].map((query) => [
          query.replace(/\s+/g, ' ').replace(/\|/g, '\\|').slice(0, 90),
          ...counted.map((r) => {
            const row = r.statements.rows.find((x) => x.query === query);
            return row
              ? `${row.perUnit.toFixed(2)}, ${row.execMsPerUnit.toFixed(3)} + ${row.planMsPerUnit.toFixed(3)}`
              : '–';
          }),
        ]),
        'l' + 'r'.repeat(counted.length),
      )}`,
    );
  const late = [...results, ...createdResults].filter((r) => r.maxLateMs > 50);
  if (late.length)
    console.log(
      `\nThe load generator ran late (max ${late.map((r) => `${fmt.ms(r.maxLateMs)} ms at ${r.rate}/s`).join(', ')}): those rates were offered less evenly than scheduled.`,
    );
  console.log('');
  console.log(
    resourceTable([
      ...results.flatMap((r) =>
        r.resources.map((x) => ({ ...x, phase: `${r.rate}/s`, units: r.count })),
      ),
      ...createdResults.flatMap((r) =>
        r.resources.map((x) => ({ ...x, phase: `orders ${r.rate}/s`, units: r.count })),
      ),
    ]),
  );
  return [...results, ...createdResults].every((r) => r.problems.length === 0);
});
