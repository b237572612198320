// The regression guard (issue 12): compares the ratios the benchmarks measured with the values
// documented in docs/benchmarks.md, kept in tools/bench/baseline.json, and fails when one falls
// below half of its documented value. Ratios only, never absolute figures: each is measured beside
// its ceiling in the same run, so it carries from a laptop to a CI machine.
//
//   node tools/bench/guard.mjs --run     build, run the short benchmarks (run-all.mjs), compare
//   node tools/bench/guard.mjs           compare what the last run left in .local/bench-results
//   node tools/bench/guard.mjs drain     compare the drain's ratios only
//
// Prints a markdown table and writes <results>/guard.json ({ passed, failed, rows }), which
// tools/test/summarize.cjs adds to CI's "N passed, N failed". Exit code 1 on any failed check.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { collect, compare, FACTOR } = require('./lib/guard-check.cjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
// The same default as bench-kit's, without loading bench-kit (pg, kafkajs) to compare numbers.
const resultsDir = path.resolve(
  process.env.BENCH_RESULTS_DIR || path.join(root, '.local/bench-results'),
);
const guardFile = path.join(resultsDir, 'guard.json');
const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith('--'));

mkdirSync(resultsDir, { recursive: true });
rmSync(guardFile, { force: true });

if (args.includes('--run')) {
  if (process.env.BENCH_FULL === '1')
    process.stderr.write('guard: BENCH_FULL=1 is set, but baseline.json holds SHORT figures\n');
  // `npm run bench`: builds, then run-all.mjs. Its exit code is not ours: run.json says which
  // benchmark failed, and a build that failed leaves no run.json, which fails below.
  rmSync(path.join(resultsDir, 'run.json'), { force: true });
  spawnSync('npm', ['run', 'bench', '--', ...only], { cwd: root, stdio: 'inherit' });
}

const baseline = JSON.parse(readFileSync(path.join(here, 'baseline.json'), 'utf8')).ratios;
const runFile = path.join(resultsDir, 'run.json');
const run = existsSync(runFile) ? JSON.parse(readFileSync(runFile, 'utf8')) : null;
const files = readdirSync(resultsDir)
  .filter((f) => f.endsWith('.json') && f !== 'run.json' && f !== 'guard.json')
  .map((f) => JSON.parse(readFileSync(path.join(resultsDir, f), 'utf8')));
const verdict = compare({
  baseline,
  measured: collect(files, run?.runId),
  runs: run?.benchmarks ?? [],
  only,
});
if (!run) {
  // Without a run record a crashed benchmark is invisible but for its missing ratios; say so.
  verdict.rows.unshift({
    kind: 'bench',
    name: 'run.json',
    label: 'the benchmark run',
    status: 'FAIL',
    exit: 'no record',
  });
  verdict.failed++;
}

const num = (n) => (typeof n === 'number' && Number.isFinite(n) ? n.toPrecision(2) : '–');
const lines = [
  `# Regression guard: each ratio against ${FACTOR} × its documented value (tools/bench/baseline.json)`,
  '',
  '| check | documented | floor | measured | result |',
  '|---|---:|---:|---:|---|',
  ...verdict.rows.map((r) =>
    r.kind === 'bench'
      ? `| benchmark ${r.label} ran, checks passed | | | exit ${r.exit} | ${r.status === 'ok' ? 'ok' : '**FAIL**'} |`
      : `| ${r.name} | ${num(r.documented)} | ${r.higherIsBetter === false ? '≤ ' : ''}${num(r.bound)} | ${num(r.measured)} | ${
          {
            ok: 'ok',
            new: 'not guarded: no documented value',
            unguarded: `not guarded: ${r.reason}`,
          }[r.status] ?? `**FAIL** (${r.reason})`
        } |`,
  ),
  '',
  `${verdict.passed} passed, ${verdict.failed} failed`,
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(guardFile, `${JSON.stringify(verdict, null, 2)}\n`);
process.exit(verdict.failed > 0 ? 1 : 0);
