// Every benchmark, one after another: `npm run bench` with short settings (a minute or two per
// benchmark, to see that each runs and its checks pass; the figures are not for publishing),
// `BENCH_FULL=1 npm run bench` with the full ones (100,000 deliveries, 30 s per rate, ...).
// Each benchmark prints its own markdown table; the exit code is non-zero if any failed.
// Settings given in the environment (BENCH_DELIVERIES=...) win over both.
// Each benchmark also writes its ratios to <results>/<bench>.json, and this writes
// <results>/run.json (which ran, with what exit code, tagged with a run id the results carry):
// what tools/bench/guard.mjs reads.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resultsDir } from './lib/bench-kit.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const full = process.env.BENCH_FULL === '1';
// A benchmark that hangs must not hold CI past its budget: with short settings each gets
// BENCH_TIMEOUT_S (default 600 s; every short one takes well under two minutes), then SIGTERM,
// which bench-kit turns into killing its children and dropping its database.
const timeoutS = Number(process.env.BENCH_TIMEOUT_S || (full ? 0 : 600));

/** [name, results file name, script, short settings of the benchmarks that predate BENCH_FULL]. */
const benchmarks = [
  ['signing', 'signing', 'signing/signing.bench.mjs', { BENCH_ROUNDS: '3', BENCH_TIME_MS: '200' }],
  [
    'fan-out',
    'fanout',
    'fanout/fanout.bench.mjs',
    { BENCH_ENDPOINTS: '2000', BENCH_EVENTS: '50', BENCH_ROUNDS: '3' },
  ],
  [
    'intake',
    'intake',
    'intake/intake.bench.mjs',
    { BENCH_REQUESTS: '3000', BENCH_WARMUP: '500', BENCH_INTAKE_PACED_SECONDS: '4' },
  ],
  ['orders API', 'orders', 'orders/orders.bench.mjs', {}],
  ['delivery drain', 'drain', 'drain/drain.bench.mjs', {}],
  ['end to end', 'e2e', 'e2e/e2e.bench.mjs', {}],
];

const only = process.argv.slice(2);
const failed = [];
const runId = `${Date.now().toString(36)}-${process.pid}`;
const record = { runId, settings: full ? 'full' : 'short', benchmarks: [] };
const runFile = path.join(resultsDir, 'run.json');
mkdirSync(resultsDir, { recursive: true });
rmSync(runFile, { force: true });
const writeRecord = () => writeFileSync(runFile, `${JSON.stringify(record, null, 2)}\n`);
for (const [name, bench, script, short] of benchmarks) {
  if (only.length && !only.some((o) => script.startsWith(o))) continue;
  // A benchmark that dies before writing its results must not leave an older run's behind.
  rmSync(path.join(resultsDir, `${bench}.json`), { force: true });
  process.stdout.write(`\n## ${name} (tools/bench/${script})\n\n`);
  const defaults = full ? {} : short;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(here, script)], {
    stdio: 'inherit',
    env: { ...defaults, ...process.env, BENCH_RUN_ID: runId },
    timeout: timeoutS > 0 ? timeoutS * 1000 : undefined,
    killSignal: 'SIGTERM',
  });
  const took = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) failed.push(name);
  record.benchmarks.push({
    name,
    bench,
    exit: result.status ?? result.signal ?? String(result.error),
    seconds: Number(took),
  });
  writeRecord();
  process.stdout.write(
    `\n(${name}: ${result.status === 0 ? 'ok' : `FAILED, exit ${result.status ?? result.signal}`}, ${took} s)\n`,
  );
}
process.stdout.write(
  `\n${failed.length ? `FAILED: ${failed.join(', ')}` : 'every benchmark ran and passed its checks'}${full ? '' : ' (short settings: not figures to publish)'}\n`,
);
process.exit(failed.length ? 1 : 0);
