// Orders API: POST /orders (validated, an Idempotency-Key per request as a checkout sends it, the
// order, its key and its order.created outbox row in one transaction) at 10 and 100 keep-alive
// connections, beside the ceiling measured in the same run: a bare Fastify route that parses the
// body and commits one INSERT (tools/bench/orders/ceiling-server.mjs). Both run as their own
// process on one fresh database; the load comes from this process over loopback, alternating
// ceiling and orders at each connection count (ABBA), round after round; medians are reported,
// and × ceiling is the median of the rounds' ratios.
// Checks (non-zero exit if any fails): every request answered 201, and orders holds exactly one
// order per request. Reproduce: `npm run bench:orders` (see docs/benchmarks.md).
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  cpuMeter,
  fmt,
  freePort,
  freshDatabase,
  kafkaPrefix,
  listSetting,
  machineLine,
  median,
  poolLoop,
  profiled,
  ResourceMonitor,
  resourceTable,
  root,
  runBench,
  setting,
  startProcess,
  startService,
  table,
  waitForHttp,
  writeResults,
} from '../lib/bench-kit.mjs';

const CONNECTIONS = listSetting('BENCH_CONNECTIONS', [10, 100], [10, 100]);
const REQUESTS = setting('BENCH_REQUESTS', 2_000, 20_000);
const WARMUP = setting('BENCH_WARMUP', 500, 2_000);
const ROUNDS = setting('BENCH_ROUNDS', 1, 3);

const body = JSON.stringify({
  customerId: 'cus_QXg1hqf4jFNsqG',
  currency: 'usd',
  lines: [
    { sku: 'mug-blue', quantity: 2, unitPrice: 1250 },
    { sku: 'tea-earl-grey', quantity: 1, unitPrice: 799 },
  ],
});

function load(origin, count, connections) {
  return poolLoop({
    origins: [origin],
    count,
    concurrency: connections,
    connections,
    request: () => ({
      path: '/orders',
      headers: { 'content-type': 'application/json', 'idempotency-key': `bench-${randomUUID()}` },
      body,
    }),
  });
}

await runBench(async () => {
  const db = await freshDatabase('orders');
  const prefix = kafkaPrefix(db.name);
  const ceilingPort = await freePort();
  const ceilingServer = startProcess(
    path.join(root, 'tools/bench/orders/ceiling-server.mjs'),
    [db.url, String(ceilingPort)],
    { label: `${prefix}orders-ceiling`, nodeArgs: profiled('ceiling') },
  );
  const ceilingUrl = `http://127.0.0.1:${ceilingPort}`;
  await waitForHttp(ceilingServer, `${ceilingUrl}/health/ready`);
  const orders = await startService('orders', { databaseUrl: db.url, prefix });

  const problems = [];
  let sentToOrders = 0;
  // CPU by process over each measurement, summed per connection count and server
  const cpu = new Map();
  const measure = async (label, origin, pid, connections) => {
    const meter = cpuMeter({ server: pid });
    const run = await load(origin, REQUESTS, connections);
    const used = meter.stop();
    if (run.failures) problems.push(`${label} at ${connections} connections: ${run.failures}`);
    const key = `${connections} ${label}`;
    const sum = cpu.get(key) ?? { requests: 0 };
    for (const [name, seconds] of Object.entries(used)) sum[name] = (sum[name] ?? 0) + seconds;
    sum.requests += REQUESTS;
    cpu.set(key, sum);
    return run;
  };
  for (const connections of CONNECTIONS) {
    await load(ceilingUrl, WARMUP, connections);
    await load(orders.url, WARMUP, connections);
    sentToOrders += WARMUP;
  }
  const monitor = new ResourceMonitor([orders]);
  await monitor.start();
  const runs = new Map(CONNECTIONS.map((c) => [c, { ceiling: [], orders: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const connections of CONNECTIONS) {
      const run = runs.get(connections);
      const ceilingRun = () => measure('ceiling', ceilingUrl, ceilingServer.pid, connections);
      const ordersRun = () => measure('orders', orders.url, orders.pid, connections);
      // ABBA: each server goes first in half the rounds, so a drift over the run favours neither.
      if (round % 2 === 0) {
        run.ceiling.push(await ceilingRun());
        run.orders.push(await ordersRun());
      } else {
        run.orders.push(await ordersRun());
        run.ceiling.push(await ceilingRun());
      }
      sentToOrders += REQUESTS;
    }
  }
  const resources = await monitor.stop();
  await orders.stop();
  await ceilingServer.stop();

  const [{ orders: stored, keys }] = await db.query(
    `SELECT (SELECT count(*)::int FROM orders.orders) AS orders,
            (SELECT count(*)::int FROM orders.idempotency_keys) AS keys`,
  );
  if (stored !== sentToOrders) problems.push(`${sentToOrders} orders placed, ${stored} stored`);
  if (keys !== sentToOrders) problems.push(`${sentToOrders} idempotency keys sent, ${keys} stored`);

  const rows = [];
  const ratios = [];
  for (const connections of CONNECTIONS) {
    const { ceiling, orders: ours } = runs.get(connections);
    const c = {
      rps: median(ceiling.map((r) => r.rps)),
      p50: median(ceiling.map((r) => r.p50)),
      p99: median(ceiling.map((r) => r.p99)),
    };
    const o = {
      rps: median(ours.map((r) => r.rps)),
      p50: median(ours.map((r) => r.p50)),
      p99: median(ours.map((r) => r.p99)),
    };
    // Each round's two measurements were made back to back: the median of their ratios.
    const ratio = median(ours.map((r, i) => r.rps / ceiling[i].rps));
    rows.push([
      connections,
      'ceiling: bare Fastify + one INSERT',
      fmt.int(c.rps),
      fmt.ms(c.p50),
      fmt.ms(c.p99),
      '1.00',
    ]);
    rows.push([
      connections,
      'orders `POST /orders`',
      fmt.int(o.rps),
      fmt.ms(o.p50),
      fmt.ms(o.p99),
      fmt.ratio(ratio),
    ]);
    ratios.push({ name: `orders.connections-${connections}.x-ceiling`, ratio });
  }
  writeResults('orders', ratios);
  console.log(
    `# orders API: ${machineLine()}; ${fmt.int(REQUESTS)} requests per measurement after ${fmt.int(WARMUP)} warm-up, median of ${ROUNDS} round(s), × ceiling the median of the rounds' ratios\n`,
  );
  console.log(
    table(['connections', 'server', 'req/s', 'p50 ms', 'p99 ms', '× ceiling'], rows, 'rlrrrr'),
  );
  console.log('');
  const perRequest = (seconds, requests) => ((seconds * 1000) / requests).toFixed(2);
  const cpuRows = [...cpu].map(([key, c]) => {
    const [connections, label] = key.split(' ');
    const total = c.server + c.postgres + c.kafka + c.load;
    return [
      connections,
      label,
      ...[c.server, c.postgres, c.kafka, c.load, total].map((v) => perRequest(v, c.requests)),
    ];
  });
  console.log(
    table(
      [
        'connections',
        'measured',
        'server',
        'Postgres',
        'Kafka',
        'load',
        'all (CPU ms per request)',
      ],
      cpuRows,
      'rlrrrrr',
    ),
  );
  console.log('');
  console.log(resourceTable(resources.map((r) => ({ ...r, phase: 'measured rounds' }))));
  console.log(
    `\nchecks: ${problems.length ? `**FAILED**: ${problems.join('; ')}` : `pass (${fmt.int(sentToOrders)} orders placed, each stored once)`}`,
  );
  return problems.length === 0;
});
