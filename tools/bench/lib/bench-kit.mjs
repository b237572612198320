// What the stack benchmarks share: settings (short or BENCH_FULL=1), a fresh database and Kafka
// prefix per run, the services as processes from dist/, the partner sink in its own process, an
// undici load loop, resource sampling (peak RSS, event-loop delay) and markdown tables.
//
// libs/testing has helpers for most of this (ServiceProcess, PrivatePostgres, PartnerSink), but
// it has no build target, so nothing of it is in dist/; and ServiceProcess logs at info unless
// told otherwise and keeps every log line in memory, which a benchmark cannot afford. Hence these small copies.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Client } = require('pg');
const { Pool } = require('undici');
const { Kafka, logLevel } = require('kafkajs');

const serviceRuntime = JSON.parse(
  readFileSync(new URL('../../service-runtime.json', import.meta.url), 'utf8'),
);

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const FULL = process.env.BENCH_FULL === '1';
export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
export const STRIPE_WEBHOOK_SECRET = 'whsec_bench_stack_secret_0123456789';
/** What each service must stay under while it works (shared/performance.md, issue 12). */
export const RSS_LIMIT_MB = 300;

/** A numeric setting: the environment's value, else the short or the full default. */
export function setting(name, short, full) {
  const value = process.env[name];
  if (value !== undefined && value !== '') return Number(value);
  return FULL ? full : short;
}

/** A list setting ("1,10,100"); "0" gives an empty list, which skips that part. */
export function listSetting(name, short, full) {
  const value = process.env[name];
  if (value)
    return value
      .split(',')
      .map((x) => Number(x.trim()))
      .filter((x) => x > 0);
  return FULL ? full : short;
}

/** The machine line every table starts with. */
export function machineLine() {
  const cpus = os.cpus();
  const date = new Date().toISOString().slice(0, 10);
  return `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, Node ${process.version}, ${date}${postgresNote()}${FULL ? '' : ', SHORT settings (not figures to publish)'}`;
}

/** The Postgres server's settings that change what a run measures, read with the first database. */
let postgresSettings = null;

function postgresNote() {
  if (!postgresSettings) return '';
  const { version, autovacuum } = postgresSettings;
  return `, Postgres ${version} with autovacuum ${autovacuum ? 'on' : 'OFF (dead rows are never reclaimed, unlike a deployed server)'}`;
}

async function readPostgresSettings(client) {
  const { rows } = await client.query(
    `SELECT current_setting('server_version') AS version,
            current_setting('autovacuum') = 'on' AND current_setting('track_counts') = 'on' AS autovacuum`,
  );
  const [row] = rows;
  postgresSettings = { version: row.version.split(' ')[0], autovacuum: row.autovacuum };
  if (!row.autovacuum) {
    process.stderr.write(
      'warning: autovacuum does not run on this Postgres server: dead rows pile up over the run, unlike on a deployed server\n',
    );
  }
}

/** Wall-clock milliseconds with sub-millisecond resolution; comparable across processes. */
export const nowMs = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Calls `send(i, due)` for i < count at `rate` per second on a fixed schedule (open loop: a slow
 * answer delays nothing); resolves when every call has; reports how late the generator ran.
 * `due` is the `performance.now()` the call was scheduled for, or when it went out if that was
 * earlier (a wait under a millisecond is not slept): a latency measured from it counts the time a
 * late generator or a full pool added, and is never negative.
 */
export async function paced(rate, count, send) {
  const started = performance.now();
  const calls = [];
  let maxLateMs = 0;
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait >= 1) await sleep(wait);
    // A timer can fire late as well: lateness is counted when the call goes out.
    const now = performance.now();
    maxLateMs = Math.max(maxLateMs, now - due);
    calls.push(send(i, Math.min(due, now)));
  }
  await Promise.all(calls);
  return { maxLateMs };
}

/** The p-th percentile (0–100) of an ascending array, nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export const fmt = {
  int: (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–'),
  ms: (n) =>
    Number.isFinite(n) ? (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1)) : '–',
  ratio: (n) => (Number.isFinite(n) ? n.toFixed(n < 0.1 ? 3 : 2) : '–'),
  mb: (bytes) => (Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : '–'),
};

/** A markdown table; `align` is a string of 'l'/'r' per column (default: first left, rest right). */
export function table(headers, rows, align) {
  const a = align ?? 'l' + 'r'.repeat(headers.length - 1);
  const lines = [
    `| ${headers.join(' | ')} |`,
    `|${headers.map((_, i) => (a[i] === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** A TCP port nothing listens on right now (the kernel's pick for port 0). */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------------
// Machine-readable results: what tools/bench/guard.mjs compares against tools/bench/baseline.json.

/** Where each benchmark writes `<bench>.json` (BENCH_RESULTS_DIR, else .local/bench-results). */
export const resultsDir = path.resolve(
  process.env.BENCH_RESULTS_DIR || path.join(root, '.local/bench-results'),
);

/**
 * Writes `<resultsDir>/<bench>.json`: the run's named ratios, each a figure divided by its
 * ceiling (or floor) measured in the same run, since only ratios carry from one machine to
 * another. `ratios` is a list of { name, ratio, higherIsBetter }. BENCH_RUN_ID (set by
 * run-all.mjs) is recorded so the guard can refuse results left over from an earlier run.
 */
export function writeResults(bench, ratios) {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${bench}.json`);
  const body = {
    bench,
    runId: process.env.BENCH_RUN_ID ?? null,
    settings: FULL ? 'full' : 'short',
    machine: machineLine(),
    ratios: ratios.map(({ name, ratio, higherIsBetter = true }) => ({
      name,
      // JSON has no NaN: a ratio that could not be measured is null, which the guard fails.
      ratio: Number.isFinite(ratio) ? ratio : null,
      higherIsBetter,
    })),
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

// ---------------------------------------------------------------------------------------------
// Postgres: one fresh database per run, dropped afterwards.

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function withClient(url, fn) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A `payment_intent.succeeded` event shaped like Stripe's, about 1.5 KB (the description pads it
 * to the size of a typical event), with fresh ids, for one order: what intake and the end-to-end
 * benchmark send.
 */
export function stripePaymentSucceeded(orderId, amount) {
  // randomUUID draws from a cached pool; randomBytes asks OpenSSL each time, and the five ids an
  // event takes cost the load generator 28 µs of it, a sixth of its CPU per event at 1,000/s.
  const id = () => randomUUID().replaceAll('-', '').slice(8);
  const pi = `pi_${id()}`;
  const now = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id: `evt_${id()}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: now,
    livemode: false,
    api_version: '2026-10-28.endive',
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: {
      object: {
        id: pi,
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: amount,
        capture_method: 'automatic',
        client_secret: `${pi}_secret_${id()}`,
        confirmation_method: 'automatic',
        created: now - 5,
        currency: 'usd',
        customer: null,
        description: 'x'.repeat(600),
        latest_charge: `ch_${id()}`,
        livemode: false,
        metadata: { order_id: orderId },
        payment_method: `pm_${id()}`,
        payment_method_types: ['card'],
        status: 'succeeded',
        automatic_payment_methods: { enabled: true },
        payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      },
    },
  });
}

/** CREATE DATABASE bench_<label>_<time>_<random>; `drop()` removes it (WITH FORCE). */
export async function freshDatabase(label) {
  const name = `bench_${label}_${Date.now().toString(36)}_${randomBytes(2).toString('hex')}`;
  await withClient(adminUrl, async (c) => {
    await c.query(`CREATE DATABASE ${name}`);
    if (!postgresSettings) await readPostgresSettings(c);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = {
    name,
    url: url.toString(),
    /** Runs one statement on a fresh connection; resolves with the rows. */
    query: (sql, params) => withClient(db.url, async (c) => (await c.query(sql, params)).rows),
    /** Runs `fn(client)` on one connection. */
    session: (fn) => withClient(db.url, fn),
    drop: () =>
      withClient(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
  // BENCH_KEEP_DATABASE=1 leaves it for a look afterwards (EXPLAIN, pg_stat_user_tables).
  if (process.env.BENCH_KEEP_DATABASE === '1') {
    process.stderr.write(`keeping database ${name}\n`);
    return db;
  }
  cleanups.push(() => db.drop());
  return db;
}

/**
 * Every statement the database `name` has run so far, by text, as `pg_stat_statements` counts
 * them (BEGIN and COMMIT included: each statement is a round trip): its calls, and the
 * milliseconds spent executing and planning it (planning is counted only with
 * `pg_stat_statements.track_planning`); null where the extension is not installed in the admin
 * database (it needs `shared_preload_libraries`).
 */
export async function statementCalls(name) {
  return withClient(adminUrl, async (c) => {
    const { rows: installed } = await c.query(
      "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'",
    );
    if (installed.length === 0) return null;
    const { rows } = await c.query(
      `SELECT query, sum(calls)::bigint AS calls, sum(total_exec_time) AS exec_ms,
              sum(total_plan_time) AS plan_ms
       FROM pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1) GROUP BY query`,
      [name],
    );
    return new Map(
      rows.map((r) => [
        r.query,
        { calls: Number(r.calls), execMs: Number(r.exec_ms), planMs: Number(r.plan_ms) },
      ]),
    );
  });
}

/**
 * Statements run between two `statementCalls`, per unit: calls, and milliseconds executing and
 * planning; most time first.
 */
export function statementsPer(before, after, units) {
  if (!before || !after) return null;
  const rows = [...after]
    .map(([query, now]) => {
      const then = before.get(query) ?? { calls: 0, execMs: 0, planMs: 0 };
      return {
        query,
        perUnit: (now.calls - then.calls) / units,
        execMsPerUnit: (now.execMs - then.execMs) / units,
        planMsPerUnit: (now.planMs - then.planMs) / units,
      };
    })
    .filter((r) => r.perUnit > 0)
    .sort((a, b) => b.execMsPerUnit + b.planMsPerUnit - (a.execMsPerUnit + a.planMsPerUnit));
  const sum = (key) => rows.reduce((total, r) => total + r[key], 0);
  return {
    total: sum('perUnit'),
    execMs: sum('execMsPerUnit'),
    planMs: sum('planMsPerUnit'),
    rows,
  };
}

// ---------------------------------------------------------------------------------------------
// Kafka: a prefix of the run's own for topics and consumer groups, deleted afterwards.

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function kafkaPrefix(database) {
  const prefix = `${database}.`;
  cleanups.push(() => deleteKafkaPrefix(prefix));
  return prefix;
}

async function deleteKafkaPrefix(prefix) {
  const admin = new Kafka({
    clientId: 'switchyard-bench',
    brokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const groups = (await admin.listGroups()).groups
      .map((g) => g.groupId)
      .filter((g) => g.startsWith(prefix));
    if (groups.length) await admin.deleteGroups(groups).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// Processes: every child is killed if the benchmark dies; databases and topics are removed.

const children = new Set();
const cleanups = [];
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    for (const child of children) child.kill('SIGKILL');
    void runCleanups().finally(() => process.exit(130));
  });
}

async function runCleanups() {
  for (const fn of cleanups.splice(0).reverse()) {
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`cleanup: ${err.message}\n`);
    }
  }
}

/**
 * Runs `main` and exits with its verdict: 0 when it returns true, 1 when its checks failed or it
 * threw. Databases and Kafka topics made on the way are removed in any case.
 */
export async function runBench(main) {
  let ok = false;
  try {
    ok = await main();
  } catch (err) {
    process.stderr.write(`${err.stack ?? err}\n`);
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await runCleanups();
  }
  process.exit(ok ? 0 : 1);
}

function logFile(label) {
  const dir = path.join(root, '.local/bench-logs');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${label}.log`);
}

function tail(file, chars = 4000) {
  try {
    return readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '';
  }
}

function track(child) {
  children.add(child);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return exited;
}

/**
 * A Node process: stdout and stderr go to .local/bench-logs/<label>.log (a file, so a chatty
 * child never waits on the benchmark reading its pipe).
 */
export function startProcess(script, args, { env = {}, label, nodeArgs = [] }) {
  const file = logFile(label);
  const fd = openSync(file, 'a');
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = track(child);
  return {
    child,
    pid: child.pid,
    logFile: file,
    exited,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    /** SIGTERM and wait (SIGKILL after 30 s). */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200; fails at once if the process exits, with its log's tail. */
export async function waitForHttp(proc, url, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) break;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not yet
    }
    await sleep(200);
  }
  throw new Error(
    `${url} did not answer 200 (${exited ? 'the process exited' : 'timed out'}); log ${proc.logFile}:\n${tail(proc.logFile)}`,
  );
}

/**
 * `BENCH_PROFILE=notifications` (a comma-separated list of services) runs those services with
 * `--cpu-prof`: a .cpuprofile per process lands in .local/bench-profiles when it stops, to open in
 * Chrome DevTools or summarise with `node tools/bench/profile-summary.mjs <file>`.
 */
export function profiled(name) {
  // Flags Node refuses in NODE_OPTIONS (`--trace-gc`), for every service: `BENCH_NODE_ARGS`.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const wanted = (process.env.BENCH_PROFILE ?? '').split(',').map((s) => s.trim());
  if (!wanted.includes(name)) return extra;
  return [...extra, '--cpu-prof', `--cpu-prof-dir=${path.join(root, '.local/bench-profiles')}`];
}

/**
 * One service from dist/apps/<name>/src/main.js on a free port, on the run's database and Kafka
 * prefix; resolves once /health/ready answers 200. LOG_LEVEL is warn unless BENCH_LOG_LEVEL says
 * otherwise (as in the intake benchmark): a log line per request or attempt is not what is
 * measured. Settings in `env` win over the environment of the benchmark.
 */
export async function startService(name, { databaseUrl, prefix, env = {}, label }) {
  const port = await freePort();
  const proc = startProcess(path.join(root, 'dist/apps', name, 'src/main.js'), [], {
    label: label ?? `${prefix}${name}`,
    nodeArgs: profiled(name),
    env: {
      // As deployed: the services' heap bound (tools/service-runtime.json) unless set.
      NODE_OPTIONS: process.env.NODE_OPTIONS ?? serviceRuntime.nodeOptions,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_NAME_PREFIX: prefix,
      KAFKA_CLIENT_ID: `${prefix}${name}`,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      ADMIN_TOKEN,
      STRIPE_WEBHOOK_SECRETS: STRIPE_WEBHOOK_SECRET,
      DELIVERY_ALLOWED_NETWORKS: '127.0.0.0/8',
      DELIVERY_REQUIRE_HTTPS: 'false',
      ...env,
    },
  });
  const service = { name, port, url: `http://127.0.0.1:${port}`, ...proc, stop: proc.stop };
  Object.defineProperty(service, 'running', { get: () => proc.running });
  await waitForHttp(proc, `${service.url}/health/ready`);
  return service;
}

/** JSON over HTTP that throws on a non-2xx answer, naming it. */
export async function httpJson(method, url, { body, headers = {} } = {}) {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Resources: peak RSS (VmHWM), CPU time and event-loop delay of each service over a measured
// window, and the CPU time of what the services share (Postgres, the Kafka broker).

const CLOCK_TICKS = 100; // USER_HZ: Linux reports /proc/<pid>/stat times in 1/100 s

/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** The pids of the machine's Postgres (every backend and helper) and of the Kafka broker. */
function sharedPids() {
  const byGroup = { postgres: [], kafka: [] };
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const group = cmdline.startsWith('postgres')
      ? 'postgres'
      : cmdline.includes('kafka.Kafka')
        ? 'kafka'
        : null;
    if (group) byGroup[group].push(entry);
  }
  return byGroup;
}

/**
 * A figure so far (`read(pid)`) of every process of the machine's Postgres (each backend is its
 * own process) and of the Kafka broker, by pid: backends come and go within a window, so a
 * window's figure sums each pid's growth, counting a pid born inside it from zero.
 */
function sharedBy(read) {
  const byGroup = { postgres: new Map(), kafka: new Map() };
  for (const [group, pids] of Object.entries(sharedPids())) {
    for (const pid of pids) {
      const value = read(pid);
      if (Number.isFinite(value)) byGroup[group].set(pid, value);
    }
  }
  return byGroup;
}

/**
 * How many times the threads of a process have gone to sleep so far (voluntary context
 * switches, summed over its threads): each is a wake-up to come. On these virtual machines a
 * wake-up costs several times the work it wakes for, so wake-ups per event is the figure that
 * says what a low rate costs; unlike CPU time it hardly depends on how busy the machine is.
 */
function sleepsSoFar(pid) {
  return summedOverThreads(pid, (thread) => {
    const text = readFileSync(`${thread}/status`, 'utf8');
    return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  });
}

/** Whether the kernel keeps scheduler statistics per thread (`waitedForCoreSoFar`). */
const SCHED_STATS_KEPT = existsSync('/proc/self/schedstat');

/**
 * Seconds the threads of a process have spent runnable but waiting for a core so far (the second
 * field of each thread's `schedstat`; NaN where the kernel keeps no such figure). Beside the
 * process's CPU it says whether the machine set its pace: a process that waits for a core as
 * long as it runs would have gone faster on a quieter machine, whatever its own code does.
 */
function waitedForCoreSoFar(pid) {
  return summedOverThreads(
    pid,
    (thread) => Number(readFileSync(`${thread}/schedstat`, 'utf8').split(' ')[1]) / 1e9,
  );
}

/**
 * `perThread(dir)` summed over the threads of a process (`dir`: /proc/<pid>/task/<tid>); NaN
 * when the process is gone or a thread's figure cannot be read. A thread that ends between the
 * listing and the read is left out (and its figure with it, so a window over a process whose
 * threads come and go reads a little low).
 */
function summedOverThreads(pid, perThread) {
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return NaN;
  }
  let total = 0;
  for (const task of tasks) {
    const thread = `/proc/${pid}/task/${task}`;
    try {
      total += perThread(thread);
    } catch {
      if (existsSync(thread)) return NaN;
    }
  }
  return total;
}

function grownBy(before, after) {
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

/**
 * CPU seconds spent over one window by the given processes, by Postgres, by the Kafka broker and
 * by this benchmark's own process (the load): `const m = cpuMeter({ orders: pid })`, then
 * `m.stop()` answers `{ orders, postgres, kafka, load }`. Where a phase's units are known, the
 * figure divided by them is what one unit costs the machine, whichever process pays it.
 */
export function cpuMeter(processes) {
  const cpu = growthOver(cpuSeconds, processes);
  const loadAtStart = process.cpuUsage();
  return {
    stop() {
      const load = process.cpuUsage(loadAtStart);
      return { ...cpu(), load: (load.user + load.system) / 1e6 };
    },
  };
}

/**
 * How much `read(pid)` (a count so far) grows from now until the returned function is called:
 * for each named process (`{ name: pid }`), and for Postgres and the Kafka broker as `postgres`
 * and `kafka`, summed pid by pid.
 */
function growthOver(read, processes) {
  const atStart = Object.fromEntries(
    Object.entries(processes).map(([name, pid]) => [name, read(pid)]),
  );
  const sharedAtStart = sharedBy(read);
  return () => {
    const shared = sharedBy(read);
    return {
      ...Object.fromEntries(
        Object.entries(processes).map(([name, pid]) => [name, read(pid) - atStart[name]]),
      ),
      postgres: grownBy(sharedAtStart.postgres, shared.postgres),
      kafka: grownBy(sharedAtStart.kafka, shared.kafka),
    };
  };
}

function procStatus(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

async function scrape(service) {
  try {
    const text = await (
      await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(5000) })
    ).text();
    const sample = (name) =>
      Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN);
    return {
      p99: sample('nodejs_eventloop_lag_p99_seconds') * 1000,
      max: sample('nodejs_eventloop_lag_max_seconds') * 1000,
    };
  } catch {
    return { p99: NaN, max: NaN };
  }
}

/**
 * Watches services over a window: RSS every 250 ms, peak RSS (VmHWM, the kernel's high-water
 * mark since the process started) at the end, and event-loop delay from each service's /metrics
 * (prom-client's monitorEventLoopDelay histogram, which each scrape resets: the scrape in
 * `start` empties it, the one in `stop` reads p99 and max over exactly the window).
 */
export class ResourceMonitor {
  /**
   * `harness`: the benchmark's own processes beside the services, by name (`{ sink: sink.pid }`):
   * their CPU is reported with Postgres's and Kafka's, since on two cores it is CPU the services
   * did not get.
   */
  constructor(services, harness = {}) {
    this.services = services;
    this.harness = harness;
    this.maxRss = new Map(services.map((s) => [s, 0]));
    this.timer = null;
  }

  async start() {
    await Promise.all(this.services.map((s) => scrape(s)));
    this.timer = setInterval(() => this.sample(), 250);
    this.sample();
    this.startedAt = performance.now();
    const pids = {
      ...Object.fromEntries(this.services.map((s) => [s.name, s.pid])),
      ...this.harness,
    };
    this.cpu = growthOver(cpuSeconds, pids);
    this.sleeps = growthOver(sleepsSoFar, pids);
    // A kernel without scheduler statistics: the column shows '–', not a wait of 0.
    this.waits = SCHED_STATS_KEPT ? growthOver(waitedForCoreSoFar, pids) : () => ({});
  }

  sample() {
    for (const s of this.services) {
      const { rss } = procStatus(s.pid);
      if (rss > this.maxRss.get(s)) this.maxRss.set(s, rss);
    }
  }

  /**
   * Per service: { name, peakRss, maxSampledRss, cpuSeconds, waitedSeconds, wakeUps, loopP99,
   * loopMax, underLimit }; then Postgres, the Kafka broker and the harness's processes, with
   * their CPU seconds, seconds waiting for a core and wake-ups only.
   * `windowSeconds` is the window's length: the machine had `os.availableParallelism()` times
   * that to spend.
   */
  async stop() {
    clearInterval(this.timer);
    this.sample();
    const windowSeconds = (performance.now() - this.startedAt) / 1000;
    const cpu = this.cpu();
    const sleeps = this.sleeps();
    const waits = this.waits();
    const loops = await Promise.all(this.services.map((s) => scrape(s)));
    const services = this.services.map((s, i) => {
      const { hwm } = procStatus(s.pid);
      return {
        name: s.name,
        peakRss: hwm,
        maxSampledRss: this.maxRss.get(s),
        cpuSeconds: cpu[s.name],
        waitedSeconds: waits[s.name],
        wakeUps: sleeps[s.name],
        windowSeconds,
        loopP99: loops[i].p99,
        loopMax: loops[i].max,
        underLimit: hwm < RSS_LIMIT_MB * 1024 * 1024,
      };
    });
    const sharedRows = ['postgres', 'kafka', ...Object.keys(this.harness)].map((name) => ({
      name,
      shared: true,
      cpuSeconds: cpu[name],
      waitedSeconds: waits[name],
      wakeUps: sleeps[name],
      windowSeconds,
    }));
    return [...services, ...sharedRows];
  }
}

/**
 * The resources table of a run (one row per service and phase, then Postgres and Kafka). CPU is
 * shown as the share of one core over the window, and per unit of work when the row says how
 * many units (`units`: events, deliveries, requests) the phase handled; beside it, the time the
 * process's threads were ready to run but waited for a core, as a share of one core too.
 */
export function resourceTable(rows) {
  const cores = os.availableParallelism();
  return table(
    [
      'phase',
      'process',
      'peak RSS (VmHWM) MB',
      `< ${RSS_LIMIT_MB} MB`,
      `CPU, % of one core (${cores} cores)`,
      'waiting for a core, % of one core',
      'CPU ms per unit',
      'wake-ups per unit',
      'event-loop delay p99 ms',
      'max ms',
    ],
    withPhaseTotals(rows, cores).map((r) => [
      r.phase,
      r.name,
      r.shared ? '–' : fmt.mb(r.peakRss),
      r.shared ? '–' : r.underLimit ? 'yes' : '**no**',
      shareOfCore(r.cpuSeconds, r.windowSeconds),
      shareOfCore(r.waitedSeconds, r.windowSeconds),
      r.units ? ((1000 * r.cpuSeconds) / r.units).toFixed(2) : '–',
      r.units && Number.isFinite(r.wakeUps) ? (r.wakeUps / r.units).toFixed(1) : '–',
      r.shared ? '–' : fmt.ms(r.loopP99),
      r.shared ? '–' : fmt.ms(r.loopMax),
    ]),
    'llrrrrrrrr',
  );
}

/** Seconds over a window as a percentage of one core; '–' when not measured. */
function shareOfCore(seconds, windowSeconds) {
  return Number.isFinite(seconds) ? ((100 * seconds) / windowSeconds).toFixed(0) : '–';
}

/**
 * Each phase's rows, then one for all of them together: how busy the whole machine was (every
 * process measured, the harness's own included), which on a few cores decides how long each hop
 * waits for one.
 */
function withPhaseTotals(rows, cores) {
  const phases = [...new Set(rows.map((r) => r.phase))];
  return phases.flatMap((phase) => {
    const own = rows.filter((r) => r.phase === phase);
    const measured = own.filter((r) => Number.isFinite(r.cpuSeconds));
    if (measured.length < 2) return own;
    const sum = (key) => measured.reduce((total, r) => total + (r[key] ?? 0), 0);
    // A figure some process lacks makes the total unknown, not smaller.
    const sumOfAll = (key) => (measured.every((r) => Number.isFinite(r[key])) ? sum(key) : NaN);
    const cpuSeconds = sum('cpuSeconds');
    const windowSeconds = measured[0].windowSeconds;
    const busy = Math.round((100 * cpuSeconds) / windowSeconds / cores);
    return [
      ...own,
      {
        phase,
        name: `all of these (${busy}% of the machine)`,
        shared: true,
        cpuSeconds,
        waitedSeconds: sumOfAll('waitedSeconds'),
        windowSeconds,
        units: measured[0].units,
        wakeUps: sumOfAll('wakeUps'),
      },
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// The partner sink: tools/bench/lib/sink-server.mjs in its own process.

/** Starts the sink listening on `ports` loopback ports (one per endpoint, each its own origin). */
export async function startSink(ports) {
  const proc = startProcess(path.join(root, 'tools/bench/lib/sink-server.mjs'), [String(ports)], {
    label: `sink-${Date.now().toString(36)}`,
  });
  let info;
  for (let i = 0; i < 300 && !info; i++) {
    await sleep(100);
    const line = tail(proc.logFile, 100_000)
      .split('\n')
      .find((l) => l.startsWith('{"ports"'));
    if (line) info = JSON.parse(line);
    if (!proc.running) break;
  }
  if (!info) throw new Error(`the sink did not start: ${tail(proc.logFile)}`);
  const control = `http://127.0.0.1:${info.ports[0]}/_sink`;
  return {
    ...proc,
    ports: info.ports,
    urls: info.ports.map((p) => `http://127.0.0.1:${p}/hook`),
    /** Clears the counts; `secrets` maps a port to the endpoint secret its receipts are checked with. */
    reset: (options = {}) => httpJson('POST', `${control}/reset`, { body: options }),
    stats: () => httpJson('GET', `${control}/stats`),
    /** [port/webhook-id, times received] for every receipt. */
    receipts: () => httpJson('GET', `${control}/receipts`),
    /** With `record: true`: { id, type, orderId, at } of every receipt. */
    events: () => httpJson('GET', `${control}/events`),
  };
}

// ---------------------------------------------------------------------------------------------
// Load: an undici Pool loop with a fixed number of requests in flight.

/**
 * Sends `count` requests, `concurrency` in flight at once, spread over one Pool per origin
 * (request i goes to origins[i % n]). `request(i)` gives { path, method, headers, body }.
 * Resolves with throughput, latencies (ascending, ms) and the statuses that were not 2xx.
 */
export async function poolLoop({ origins, count, concurrency, request, connections }) {
  const pools = origins.map(
    (o) =>
      new Pool(o, {
        connections: connections ?? Math.max(1, Math.ceil(concurrency / origins.length)),
        pipelining: 1,
      }),
  );
  const latencies = new Float64Array(count);
  const failures = new Map();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        let status = 0;
        try {
          const res = await pools[i % pools.length].request({ method: 'POST', ...request(i) });
          status = res.statusCode;
          await res.body.dump();
        } catch (err) {
          status = err.code ?? 'error';
        }
        latencies[i] = performance.now() - t0;
        if (!(status >= 200 && status < 300)) failures.set(status, (failures.get(status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pools.map((p) => p.close()));
  const sorted = Array.from(latencies).sort((a, b) => a - b);
  return {
    rps: count / seconds,
    seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failures: [...failures].map(([status, n]) => `${n}× ${status}`).join(', '),
  };
}
