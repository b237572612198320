// Delivery drain: how fast notifications empties a backlog of due deliveries (signed POSTs, each
// attempt recorded) to 1, 10 and 100 endpoints, beside the ceiling measured in the same run: an
// undici Pool.request loop to the same sink with as many requests in flight as the service's
// DELIVERY_CONCURRENCY.
//
// The backlog: the partner and its endpoints are made through the notifications API; the service
// is stopped; N messages and N deliveries, due now, are inserted with one generate_series INSERT
// each, in the service's own schema (one message per delivery, endpoints taken in turn); then the
// service starts again and drains. Deliveries/s runs from the sink's first receipt to its last.
// Checks (non-zero exit if any fails): every delivery received exactly once, each by its
// endpoint; every request signed, a sample verified with `standardwebhooks`; every delivery
// `succeeded` after one attempt. Reproduce: `npm run bench:drain` (see docs/benchmarks.md).
import { randomBytes } from 'node:crypto';
import {
  ADMIN_TOKEN,
  fmt,
  freshDatabase,
  httpJson,
  kafkaPrefix,
  listSetting,
  machineLine,
  median,
  poolLoop,
  ResourceMonitor,
  resourceTable,
  runBench,
  setting,
  sleep,
  startService,
  startSink,
  table,
  RSS_LIMIT_MB,
  writeResults,
} from '../lib/bench-kit.mjs';

const DELIVERIES = setting('BENCH_DELIVERIES', 3_000, 100_000);
const ENDPOINTS = listSetting('BENCH_ENDPOINT_COUNTS', [1, 10, 100], [1, 10, 100]);
const CONCURRENCY = setting('BENCH_DELIVERY_CONCURRENCY', 64, 64);
/**
 * Notifications instances draining together (1 unless set): instances share the backlog through
 * their claims (SKIP LOCKED, leases), so a deployment scales out by running more of them.
 */
const INSTANCES = setting('BENCH_DRAIN_INSTANCES', 1, 1);
/** Rounds of the ceiling loop (after one unmeasured warm-up round); the median is reported. */
const CEILING_ROUNDS = setting('BENCH_CEILING_ROUNDS', 1, 3);
/** Gives up when no receipt arrives for this long (a stuck drain is a failure, not a hang). */
const STALL_MS = setting('BENCH_STALL_MS', 30_000, 60_000);

/** What a delivery's body looks like: an `order.paid` envelope as orders emits it (~420 bytes). */
function sampleBody(i) {
  const orderId = '0b9f6a2e-7c1d-4e8a-9f3b-2d6c5a4e1f00';
  return JSON.stringify({
    id: `019ac9c4-5f2e-7b3a-8c1d-${String(i).padStart(12, '0')}`,
    type: 'order.paid',
    version: 1,
    source: 'orders',
    subject: orderId,
    occurredAt: new Date().toISOString(),
    data: {
      orderId,
      amount: 3299,
      currency: 'usd',
      paymentIntentId: 'pi_3PqLx2B7WZ01zgkW0e9F8g7H',
      paidAt: new Date().toISOString(),
    },
    traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`,
  });
}

/** The ceiling: the same number of POSTs of the same size to the same ports, no product in between. */
async function ceiling(sink, endpoints) {
  const origins = sink.urls.slice(0, endpoints).map((u) => new URL(u).origin);
  const body = sampleBody(0);
  const runs = [];
  for (let round = -1; round < CEILING_ROUNDS; round++) {
    await sink.reset({});
    const run = await poolLoop({
      origins,
      count: DELIVERIES,
      concurrency: CONCURRENCY,
      request: (i) => ({
        path: '/hook',
        headers: { 'content-type': 'application/json', 'webhook-id': `ceiling_${i}` },
        body,
      }),
    });
    const stats = await sink.stats();
    if (run.failures || stats.received !== DELIVERIES || stats.duplicates)
      throw new Error(
        `the ceiling loop itself lost requests: ${JSON.stringify({ ...stats, failures: run.failures })}`,
      );
    if (round >= 0) runs.push(DELIVERIES / ((stats.lastAt - stats.firstAt) / 1000)); // round -1 warms up
  }
  return median(runs);
}

/** Makes the backlog: endpoints through the API, then messages and deliveries in bulk with SQL. */
async function makeBacklog(db, prefix, sink, endpoints) {
  const service = await startService('notifications', {
    databaseUrl: db.url,
    prefix,
    label: `${prefix}notifications-setup`,
  });
  const partner = await httpJson('POST', `${service.url}/v1/partners`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: { name: 'Bench partner' },
  });
  const secrets = {};
  const endpointIds = [];
  for (let i = 0; i < endpoints; i++) {
    const endpoint = await httpJson('POST', `${service.url}/v1/endpoints`, {
      headers: { authorization: `Bearer ${partner.apiKey}` },
      body: { url: sink.urls[i], eventTypes: ['order.paid'] },
    });
    secrets[sink.ports[i]] = endpoint.secret;
    endpointIds.push(endpoint.id);
  }
  await service.stop();

  const started = performance.now();
  await db.session(async (c) => {
    await c.query('BEGIN');
    // Event ids are UUID v7 of now (so rows land in today's partition, as the service's own
    // would); one message per delivery; delivery i goes to endpoint i mod E.
    await c.query(
      `CREATE TEMP TABLE backlog ON COMMIT DROP AS
       SELECT g AS n,
              (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '7'
               || substr(md5(g::text || random()::text), 1, 3) || '8'
               || substr(md5(random()::text || g::text), 1, 15))::uuid AS event_id,
              gen_random_uuid() AS order_id,
              ($2::uuid[])[1 + (g - 1) % $3] AS endpoint_id
       FROM generate_series(1, $1) AS g`,
      [DELIVERIES, endpointIds, endpoints],
    );
    await c.query(
      `INSERT INTO notifications.messages (id, partner_id, event_id, event_type, subject, payload)
       SELECT 'msg_' || b.event_id, $1, b.event_id, 'order.paid', b.order_id,
              json_build_object(
                'id', b.event_id, 'type', 'order.paid', 'version', 1, 'source', 'orders',
                'subject', b.order_id, 'occurredAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                'data', json_build_object('orderId', b.order_id, 'amount', 3299, 'currency', 'usd',
                  'paymentIntentId', 'pi_' || substr(md5(b.n::text), 1, 24),
                  'paidAt', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
                'traceparent', '00-' || md5(b.event_id::text) || '-' || substr(md5(b.n::text), 1, 16) || '-01')::text
       FROM backlog b`,
      [partner.id],
    );
    await c.query(
      `INSERT INTO notifications.deliveries (id, message_id, event_id, endpoint_id, status, next_attempt_at, created_at)
       SELECT gen_random_uuid(), 'msg_' || b.event_id, b.event_id, b.endpoint_id, 'pending', now(), now()
       FROM backlog b`,
    );
    await c.query('COMMIT');
    await c.query('ANALYZE notifications.messages, notifications.deliveries');
  });
  const backlogSeconds = (performance.now() - started) / 1000;
  const expected = await db.query(
    `SELECT d.endpoint_id, d.message_id FROM notifications.deliveries d WHERE d.status = 'pending'`,
  );
  if (expected.length !== DELIVERIES)
    throw new Error(`backlog has ${expected.length} deliveries, not ${DELIVERIES}`);
  return { secrets, endpointIds, expected, backlogSeconds };
}

/** Waits until the sink has every delivery, or nothing new arrived for STALL_MS. */
async function waitForDrain(sink) {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await sink.stats();
    if (stats.received >= DELIVERIES) {
      await sleep(1000); // late duplicates, if any, show up now
      return sink.stats();
    }
    if (stats.received !== last) {
      last = stats.received;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > STALL_MS) {
      return stats;
    }
    await sleep(250);
  }
}

/** Every expected delivery received once, by its own endpoint's port, and nothing else. */
function checkReceipts(receipts, expected, portOf) {
  const counts = new Map(receipts);
  const problems = [];
  let lost = 0;
  let duplicated = 0;
  for (const { endpoint_id, message_id } of expected) {
    const key = `${portOf.get(endpoint_id)}/${message_id}`;
    const n = counts.get(key) ?? 0;
    if (n === 0) lost++;
    if (n > 1) duplicated++;
    counts.delete(key);
  }
  if (lost) problems.push(`${lost} deliveries never arrived`);
  if (duplicated) problems.push(`${duplicated} deliveries arrived more than once`);
  if (counts.size)
    problems.push(`${counts.size} receipts that match no delivery (wrong endpoint?)`);
  return { lost, duplicated, stray: counts.size, problems };
}

async function drain(sink, endpoints) {
  const db = await freshDatabase(`drain${endpoints}`);
  const prefix = kafkaPrefix(db.name);
  const { secrets, endpointIds, expected, backlogSeconds } = await makeBacklog(
    db,
    prefix,
    sink,
    endpoints,
  );
  await sink.reset({ secrets, verifyEvery: 100 });

  const bootStarted = Date.now();
  const services = [];
  for (let i = 0; i < INSTANCES; i++) {
    services.push(
      await startService('notifications', {
        databaseUrl: db.url,
        prefix,
        env: { DELIVERY_CONCURRENCY: String(CONCURRENCY) },
        label: INSTANCES === 1 ? undefined : `${prefix}notifications-${i + 1}`,
      }),
    );
    if (INSTANCES > 1) services[i].name = `notifications ${i + 1}`;
  }
  const monitor = new ResourceMonitor(services, { sink: sink.pid });
  await monitor.start();
  const stats = await waitForDrain(sink);
  const resources = await monitor.stop();
  await Promise.all(services.map((s) => s.stop()));

  const portOf = new Map(endpointIds.map((id, i) => [id, sink.ports[i]]));
  const receipts = checkReceipts(await sink.receipts(), expected, portOf);
  const [db_] = await db.query(
    `SELECT count(*) FILTER (WHERE status = 'succeeded' AND attempts = 1)::int AS once,
            count(*) FILTER (WHERE status <> 'succeeded')::int AS not_succeeded,
            (SELECT count(*)::int FROM notifications.attempts) AS attempts
     FROM notifications.deliveries`,
  );
  const problems = [...receipts.problems];
  if (stats.unsigned) problems.push(`${stats.unsigned} requests without a signature`);
  if (stats.badSignatures)
    problems.push(`${stats.badSignatures} signatures that do not verify: ${stats.firstError}`);
  if (stats.verified === 0) problems.push('no signature was verified');
  if (db_.once !== DELIVERIES)
    problems.push(`${DELIVERIES - db_.once} deliveries not succeeded after exactly one attempt`);
  if (db_.attempts !== DELIVERIES)
    problems.push(`${db_.attempts} attempts recorded for ${DELIVERIES} deliveries`);
  const seconds = (stats.lastAt - stats.firstAt) / 1000;
  if (process.env.BENCH_KEEP_DATABASE !== '1') await db.drop();
  return {
    endpoints,
    rate: stats.received / seconds,
    seconds,
    firstReceiptAfterS: (stats.firstAt - bootStarted) / 1000,
    backlogSeconds,
    verified: stats.verified,
    receipts,
    resources,
    problems,
  };
}

/** The notifications instance with the highest peak RSS, and the highest loop delay of any. */
function worstOf(result) {
  const instances = result.resources.slice(0, INSTANCES);
  const peak = instances.reduce((a, b) => (b.peakRss > a.peakRss ? b : a));
  return { ...peak, loopP99: Math.max(...instances.map((x) => x.loopP99)) };
}

await runBench(async () => {
  const sink = await startSink(Math.max(...ENDPOINTS));
  const results = [];
  for (const endpoints of ENDPOINTS) {
    const ceilingRate = await ceiling(sink, endpoints);
    const result = await drain(sink, endpoints);
    results.push({ ...result, ceilingRate });
    process.stderr.write(
      `drain to ${endpoints} endpoint(s): ${fmt.int(result.rate)}/s (ceiling ${fmt.int(ceilingRate)}/s)${result.problems.length ? `; FAILED: ${result.problems.join('; ')}` : ''}\n`,
    );
  }
  await sink.stop();
  writeResults(
    'drain',
    results.map((r) => ({
      name: `drain.endpoints-${r.endpoints}.x-ceiling`,
      ratio: r.rate / r.ceilingRate,
    })),
  );

  console.log(
    `# delivery drain: ${machineLine()}; ${fmt.int(DELIVERIES)} due deliveries per row, DELIVERY_CONCURRENCY ${CONCURRENCY}${INSTANCES > 1 ? `, ${INSTANCES} notifications instances` : ''}, ceiling median of ${CEILING_ROUNDS}\n`,
  );
  console.log(
    table(
      [
        'endpoints',
        'deliveries',
        'ceiling: undici Pool loop /s',
        'notifications deliveries/s',
        '× ceiling',
        'drain s',
        'first receipt after start s',
        'signatures verified',
        'lost',
        'duplicated',
        `peak RSS MB (< ${RSS_LIMIT_MB})`,
        'loop delay p99 ms',
        'checks',
      ],
      results.map((r) => [
        fmt.int(r.endpoints),
        fmt.int(DELIVERIES),
        fmt.int(r.ceilingRate),
        fmt.int(r.rate),
        fmt.ratio(r.rate / r.ceilingRate),
        r.seconds.toFixed(1),
        r.firstReceiptAfterS.toFixed(1),
        fmt.int(r.verified),
        fmt.int(r.receipts.lost),
        fmt.int(r.receipts.duplicated),
        `${fmt.mb(worstOf(r).peakRss)}${worstOf(r).underLimit ? '' : ' **over**'}`,
        fmt.ms(worstOf(r).loopP99),
        r.problems.length ? `**FAILED**: ${r.problems.join('; ')}` : 'pass',
      ]),
      'rrrrrrrrrrrrl',
    ),
  );
  console.log('');
  console.log(
    resourceTable(
      results.flatMap((r) =>
        r.resources.map((x) => ({ ...x, phase: `drain to ${r.endpoints}`, units: DELIVERIES })),
      ),
    ),
  );
  const breaches = results.filter((r) => !worstOf(r).underLimit);
  if (breaches.length)
    console.log(
      `\nFinding: notifications went over ${RSS_LIMIT_MB} MB while draining to ${breaches.map((r) => r.endpoints).join(', ')} endpoint(s).`,
    );
  return results.every((r) => r.problems.length === 0);
});
