// Stripe webhook intake: signed POSTs to payments (verify on the raw body, durable store, 2xx)
// beside the ceiling (a bare Fastify route doing the same verify and one INSERT). Both run as
// their own process, on a fresh database; the load comes from this process over loopback. The
// requests go in rounds that alternate the two servers (ABBA), and the ratio is the median of the
// rounds' ratios: a neighbour's load that falls on a few seconds of the run moves one round, not
// the whole of one server's measurement, as when each was measured once, one after the other.
// Then both servers again at a paced rate (open loop, BENCH_INTAKE_PACED_RATE a second, 500 unless
// set), latency counted from when each request was due: how long Stripe waits for an answer at a
// rate the machine has room for, where the rounds above measure a machine with none (every
// connection busy, so the p99 there is mostly queueing, the ceiling's as well as ours).
// The slow paced requests are listed in runs of consecutive ones (slower than BENCH_INTAKE_SLOW_MS,
// 20 unless set): a long run is a queue behind one stall, which the p99 alone does not tell.
// Needs Postgres and Kafka (`npm run infra:up`). Reproduce: `npm run bench:intake`.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  median,
  paced,
  percentile,
  profiled,
  ResourceMonitor,
  resourceTable,
  stripePaymentSucceeded,
  table,
  writeResults,
} from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { Pool } = require('undici');
const { generateStripeSignatureHeader } = require('../../../dist/libs/signing/src/index.js');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SECRET = 'whsec_bench_intake_secret_0123456789';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2_000);
/** Rounds per server; REQUESTS are shared among them. */
const ROUNDS = Number(process.env.BENCH_INTAKE_ROUNDS ?? 5);
const PACED_RATE = Number(process.env.BENCH_INTAKE_PACED_RATE ?? 500);
/** Seconds of paced requests per server, in two rounds each. */
const PACED_SECONDS = Number(process.env.BENCH_INTAKE_PACED_SECONDS ?? 20);
/** A paced request slower than this is listed with its neighbours (`stallsOf`). */
const SLOW_MS = Number(process.env.BENCH_INTAKE_SLOW_MS ?? 20);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql) {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function dbUrl(name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `BENCH_PROFILE=payments` (or `ceiling`) runs that server with --cpu-prof, as in bench-kit. */
function start(label, args, env = {}) {
  const child = spawn(process.execPath, [...profiled(label), ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return child;
}

async function waitReady(url) {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready`);
}

function signedBodies(count) {
  return Array.from({ length: count }, (_, i) =>
    stripePaymentSucceeded('3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b', 1000 + i),
  );
}

/** POSTs one signed event; answers whether it was accepted (200). */
async function post(pool, body) {
  const res = await pool.request({
    path: '/webhooks/stripe',
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': generateStripeSignatureHeader(SECRET, body),
    },
    body,
  });
  await res.body.dump();
  return res.statusCode === 200;
}

/** `count` requests as fast as CONNECTIONS clients can send them (closed loop). */
async function load(origin, count) {
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const bodies = signedBodies(count);
  const latencies = new Float64Array(count);
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        if (!(await post(pool, bodies[i]))) failures++;
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { count, seconds, latencies, failures };
}

/** `count` requests at `rate` a second (open loop), each latency from when it was due. */
async function pacedLoad(origin, rate, count) {
  const pool = new Pool(origin, { connections: CONNECTIONS, pipelining: 1 });
  const bodies = signedBodies(count);
  const latencies = new Float64Array(count);
  let failures = 0;
  const { maxLateMs } = await paced(rate, count, async (i, due) => {
    if (!(await post(pool, bodies[i]))) failures++;
    latencies[i] = performance.now() - due;
  });
  await pool.close();
  return { latencies, failures, maxLateMs };
}

/** Each server at PACED_RATE, in ABBA rounds: p50, p99 and max from when requests were due. */
async function pacedRounds(servers) {
  const perRound = Math.ceil((PACED_RATE * PACED_SECONDS) / 2);
  const byServer = new Map(
    servers.map((s) => [s.label, { latencies: [], maxLateMs: 0, stalls: [] }]),
  );
  for (const [round, server] of [...servers, ...[...servers].reverse()].entries()) {
    const result = await pacedLoad(server.origin, PACED_RATE, perRound);
    if (result.failures > 0) throw new Error(`${server.label}: ${result.failures} requests failed`);
    const sum = byServer.get(server.label);
    for (const latency of result.latencies) sum.latencies.push(latency);
    sum.maxLateMs = Math.max(sum.maxLateMs, result.maxLateMs);
    sum.stalls.push(...stallsOf(result.latencies, PACED_RATE, round + 1));
  }
  return new Map(
    [...byServer].map(([label, { latencies, maxLateMs, stalls }]) => {
      const sorted = latencies.sort((a, b) => a - b);
      const at = (p) => percentile(sorted, p);
      const summary = { count: sorted.length, p50: at(50), p99: at(99), max: at(100) };
      return [label, { ...summary, maxLateMs, stalls }];
    }),
  );
}

/**
 * The paced requests slower than SLOW_MS, as runs of consecutive ones: in which paced round (1-4,
 * both servers counted), when the first was due (in seconds from the round's start), how many,
 * and the slowest. One long run is a queue behind a single stall (a commit that waited); many
 * short ones are scattered slowness.
 */
function stallsOf(latencies, rate, round) {
  const stalls = [];
  let current = null;
  latencies.forEach((latency, i) => {
    if (latency <= SLOW_MS) {
      current = null;
      return;
    }
    if (!current) stalls.push((current = { round, atS: i / rate, requests: 0, maxMs: 0 }));
    current.requests++;
    current.maxMs = Math.max(current.maxMs, latency);
  });
  return stalls;
}

/** Each server's slow paced requests, in runs (`stallsOf`), the longest first: a table's rows. */
function stallRows(results) {
  return [...results].map(([label, { stalls }]) => {
    const slow = stalls.reduce((n, s) => n + s.requests, 0);
    const longest = [...stalls].sort((a, b) => b.requests - a.requests).slice(0, 5);
    const listed = longest.map(
      (s) =>
        `round ${s.round} at ${s.atS.toFixed(1)} s: ${s.requests} request${s.requests === 1 ? '' : 's'}, up to ${s.maxMs.toFixed(0)} ms`,
    );
    return [label, slow, stalls.length, listed.join('; ') || '–'];
  });
}

/** Requests per second and latency percentiles over several loads. */
function summary(loads) {
  const count = loads.reduce((n, l) => n + l.count, 0);
  const seconds = loads.reduce((t, l) => t + l.seconds, 0);
  const sorted = loads.flatMap((l) => Array.from(l.latencies)).sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
  return { rps: count / seconds, p50: pct(50), p99: pct(99) };
}

/** One process's resources over several rounds: CPU and wake-ups added up, the worst of the rest. */
function summedResources(rounds) {
  const byName = new Map();
  for (const row of rounds.flat()) {
    const sum = byName.get(row.name);
    if (!sum) {
      byName.set(row.name, { ...row });
      continue;
    }
    sum.cpuSeconds += row.cpuSeconds;
    sum.waitedSeconds += row.waitedSeconds;
    sum.wakeUps += row.wakeUps;
    sum.windowSeconds += row.windowSeconds;
    if (!row.shared) {
      sum.peakRss = Math.max(sum.peakRss, row.peakRss);
      sum.loopP99 = Math.max(sum.loopP99, row.loopP99);
      sum.loopMax = Math.max(sum.loopMax, row.loopMax);
      sum.underLimit &&= row.underLimit;
    }
  }
  return [...byName.values()];
}

async function startServer(label, args, env, readyUrl, origin) {
  const child = start(label, args, env);
  if (readyUrl) await waitReady(readyUrl);
  else
    await new Promise((resolve) =>
      child.stdout.on('data', (d) => d.toString().includes('ready') && resolve()),
    );
  return { label, child, origin };
}

async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await new Promise((resolve) => server.child.once('exit', resolve));
}

/** One round of `count` requests to a server, with its CPU and Postgres's over them. */
async function round(server, count) {
  const monitor = new ResourceMonitor([
    { name: server.label, pid: server.child.pid, url: server.origin },
  ]);
  await monitor.start();
  const result = await load(server.origin, count);
  const resources = (await monitor.stop()).filter((r) => r.name !== 'kafka');
  if (result.failures > 0) throw new Error(`${server.label}: ${result.failures} requests failed`);
  return { ...result, resources };
}

const database = `sy_bench_intake_${randomBytes(3).toString('hex')}`;
await admin(`CREATE DATABASE ${database}`);
let ceilingServer;
let paymentsServer;
try {
  ceilingServer = await startServer(
    'ceiling',
    ['tools/bench/intake/ceiling-server.mjs', dbUrl(database), '4390', SECRET],
    {},
    null,
    'http://127.0.0.1:4390',
  );
  paymentsServer = await startServer(
    'payments',
    ['dist/apps/payments/src/main.js'],
    {
      PORT: '4391',
      DATABASE_URL: dbUrl(database),
      STRIPE_WEBHOOK_SECRETS: SECRET,
      LOG_LEVEL: 'warn',
      KAFKA_NAME_PREFIX: `bench.${database}.`,
      STRIPE_PROCESSOR_ENABLED: 'false',
    },
    'http://127.0.0.1:4391/health/ready',
    'http://127.0.0.1:4391',
  );
  await load(ceilingServer.origin, WARMUP);
  await load(paymentsServer.origin, WARMUP);
  const perRound = Math.ceil(REQUESTS / ROUNDS);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    // ABBA: each server goes first in half the rounds, so a drift over the run favours neither.
    const order = r % 2 === 0 ? [ceilingServer, paymentsServer] : [paymentsServer, ceilingServer];
    const results = {};
    for (const server of order) results[server.label] = await round(server, perRound);
    rounds.push(results);
  }
  const pacedResults = await pacedRounds([ceilingServer, paymentsServer]);
  const ceiling = {
    ...summary(rounds.map((r) => r.ceiling)),
    resources: summedResources(rounds.map((r) => r.ceiling.resources)),
  };
  const ours = {
    ...summary(rounds.map((r) => r.payments)),
    resources: summedResources(rounds.map((r) => r.payments.resources)),
  };
  const ratios = rounds.map(
    (r) => r.payments.count / r.payments.seconds / (r.ceiling.count / r.ceiling.seconds),
  );
  const ratio = median(ratios);
  const f = (n) => Math.round(n).toLocaleString('en-US');
  console.log(
    `# Stripe intake benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${CONNECTIONS} connections, ${perRound * ROUNDS} signed events of ~1.5 KB to each server in ${ROUNDS} alternating rounds, after ${WARMUP} warm-up\n`,
  );
  console.log('| server | req/s | p50 ms | p99 ms | × ceiling |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| ceiling: bare Fastify, verify + one INSERT | ${f(ceiling.rps)} | ${ceiling.p50.toFixed(2)} | ${ceiling.p99.toFixed(2)} | 1.00 |`,
  );
  console.log(
    `| payments \`POST /webhooks/stripe\` | ${f(ours.rps)} | ${ours.p50.toFixed(2)} | ${ours.p99.toFixed(2)} | ${ratio.toFixed(2)} |`,
  );
  console.log(
    `\n× ceiling is the median of the rounds' ratios: ${ratios.map((x) => x.toFixed(2)).join(', ')} (all requests together: ${(ours.rps / ceiling.rps).toFixed(2)}).`,
  );
  const pacedCeiling = pacedResults.get('ceiling');
  const pacedOurs = pacedResults.get('payments');
  console.log(
    `\nPaced at ${f(PACED_RATE)}/s (open loop, ${f(pacedOurs.count)} requests to each server in two alternating rounds; latency from when each request was due):\n`,
  );
  console.log('| server | p50 ms | p99 ms | max ms | × ceiling p99 |');
  console.log('|---|---:|---:|---:|---:|');
  console.log(
    `| ceiling | ${pacedCeiling.p50.toFixed(2)} | ${pacedCeiling.p99.toFixed(2)} | ${pacedCeiling.max.toFixed(2)} | 1.00 |`,
  );
  console.log(
    `| payments | ${pacedOurs.p50.toFixed(2)} | ${pacedOurs.p99.toFixed(2)} | ${pacedOurs.max.toFixed(2)} | ${(pacedOurs.p99 / pacedCeiling.p99).toFixed(2)} |`,
  );
  console.log(
    `\nPaced requests slower than ${SLOW_MS} ms, in runs of consecutive ones (one long run is a queue behind a single stall):\n`,
  );
  console.log(
    table(['server', 'slow requests', 'runs', 'the longest runs'], stallRows(pacedResults), 'lrrl'),
  );
  const late = Math.max(pacedCeiling.maxLateMs, pacedOurs.maxLateMs);
  if (late > 5) {
    console.log(
      `\nThe load generator ran up to ${late.toFixed(1)} ms late: requests went out less evenly than scheduled (counted in the latencies).`,
    );
  }
  console.log(
    `\n${resourceTable(
      [
        ...ceiling.resources.map((r) => ({ ...r, phase: 'ceiling' })),
        ...ours.resources.map((r) => ({ ...r, phase: 'payments' })),
      ].map((r) => ({ ...r, units: perRound * ROUNDS })),
    )}`,
  );
  writeResults('intake', [{ name: 'intake.x-ceiling', ratio }]);
} finally {
  await stopServer(paymentsServer);
  await stopServer(ceilingServer);
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
}
