// Every benchmark, one after another: `npm run bench` with short settings (a minute or two per
// benchmark, to see that each runs and its checks pass; the figures are not for publishing),
// `BENCH_FULL=1 npm run bench` with the full ones (100,000 deliveries, 30 s per rate, ...).
// Each benchmark prints its own markdown table; the exit code is non-zero if any failed.
// Settings given in the environment (BENCH_DELIVERIES=...) win over both.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const full = process.env.BENCH_FULL === '1';

/** [name, script, short settings of the benchmarks that predate BENCH_FULL]. */
const benchmarks = [
  ['signing', 'signing/signing.bench.mjs', { BENCH_ROUNDS: '3', BENCH_TIME_MS: '200' }],
  [
    'fan-out',
    'fanout/fanout.bench.mjs',
    { BENCH_ENDPOINTS: '2000', BENCH_EVENTS: '50', BENCH_ROUNDS: '3' },
  ],
  ['intake', 'intake/intake.bench.mjs', { BENCH_REQUESTS: '3000', BENCH_WARMUP: '500' }],
  ['orders API', 'orders/orders.bench.mjs', {}],
  ['delivery drain', 'drain/drain.bench.mjs', {}],
  ['end to end', 'e2e/e2e.bench.mjs', {}],
];

const only = process.argv.slice(2);
const failed = [];
for (const [name, script, short] of benchmarks) {
  if (only.length && !only.some((o) => script.startsWith(o))) continue;
  process.stdout.write(`\n## ${name} (tools/bench/${script})\n\n`);
  const defaults = full ? {} : short;
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(here, script)], {
    stdio: 'inherit',
    env: { ...defaults, ...process.env },
  });
  const took = ((Date.now() - started) / 1000).toFixed(0);
  if (result.status !== 0) failed.push(name);
  process.stdout.write(
    `\n(${name}: ${result.status === 0 ? 'ok' : `FAILED, exit ${result.status ?? result.signal}`}, ${took} s)\n`,
  );
}
process.stdout.write(
  `\n${failed.length ? `FAILED: ${failed.join(', ')}` : 'every benchmark ran and passed its checks'}${full ? '' : ' (short settings: not figures to publish)'}\n`,
);
process.exit(failed.length ? 1 : 0);
