// The regression guard's arithmetic, apart from its files and its printing so that it can be
// tested on its own. CommonJS, unlike the rest of tools/bench: jest loads `.mjs` only as native
// ES modules (which it cannot do without --experimental-vm-modules), and tools/test/summarize.cjs
// reads the guard's verdict too.
'use strict';

/** A guarded ratio may fall to this share of its documented value (issue 12: half). */
const FACTOR = 0.5;

/**
 * The bound a measured ratio must stay on the right side of: half the documented value when
 * higher is better, twice it when lower is better.
 */
function boundOf(documented, higherIsBetter = true) {
  return higherIsBetter ? documented * FACTOR : documented / FACTOR;
}

/**
 * Compares measured ratios with their documented values.
 *
 * `baseline` maps a ratio's name to { documented, higherIsBetter?, guarded?, why? }; `measured` maps a name to
 * the ratio this run measured (a number, or null/NaN when the benchmark could not compute it);
 * `runs` lists the benchmarks that ran, as { bench, name, exit } (exit 0: ran and passed its
 * correctness checks). Returns one row per check and per unguarded result:
 *
 * - `kind: 'ratio'`, status `ok` or `FAIL`: a documented ratio; it fails when it is missing, not
 *   a finite number, or beyond its bound. A benchmark left out of the run (`only`) is skipped.
 * - `kind: 'bench'`, status `ok` or `FAIL`: a benchmark that ran; it fails when it exited non-zero
 *   (it crashed, timed out, or a correctness check failed).
 * - status `new`: a measured ratio with no documented value, reported and counted neither way,
 *   so that a benchmark can grow a ratio before anyone has documented it.
 * - status `unguarded`: a documented ratio marked `guarded: false` (its `why` says why: too
 *   noisy in short runs for "half of documented" to mean a regression), reported, not counted.
 */
function compare({ baseline, measured, runs = [], only = [] }) {
  const rows = [];
  const benchOf = (name) => name.split('.')[0];
  const wanted = (name) => only.length === 0 || only.includes(benchOf(name));
  for (const run of runs) {
    if (!wanted(run.bench)) continue;
    rows.push({
      kind: 'bench',
      name: run.bench,
      label: run.name ?? run.bench,
      exit: run.exit,
      status: run.exit === 0 ? 'ok' : 'FAIL',
    });
  }
  for (const [name, entry] of Object.entries(baseline)) {
    if (!wanted(name)) continue;
    const higherIsBetter = entry.higherIsBetter !== false;
    const bound = boundOf(entry.documented, higherIsBetter);
    const value = measured[name];
    const found = typeof value === 'number' && Number.isFinite(value);
    if (entry.guarded === false) {
      rows.push({
        kind: 'ratio',
        name,
        documented: entry.documented,
        bound: null,
        higherIsBetter,
        measured: found ? value : null,
        status: 'unguarded',
        reason: entry.why ?? '',
      });
      continue;
    }
    const within = found && (higherIsBetter ? value >= bound : value <= bound);
    rows.push({
      kind: 'ratio',
      name,
      documented: entry.documented,
      bound,
      higherIsBetter,
      measured: found ? value : null,
      status: within ? 'ok' : 'FAIL',
      reason: within ? '' : found ? 'beyond the bound' : 'no result',
    });
  }
  for (const [name, value] of Object.entries(measured)) {
    if (name in baseline || !wanted(name)) continue;
    rows.push({
      kind: 'ratio',
      name,
      documented: null,
      bound: null,
      measured: value,
      status: 'new',
    });
  }
  const passed = rows.filter((r) => r.status === 'ok').length;
  const failed = rows.filter((r) => r.status === 'FAIL').length;
  return { rows, passed, failed };
}

/**
 * The measured ratios, by name, from the results files' bodies ({ bench, runId, ratios }). When
 * `runId` is given (run-all.mjs made the run), a file of another run is left out: its ratios then
 * count as missing rather than passing on an earlier run's figures.
 */
function collect(files, runId) {
  const measured = {};
  for (const file of files) {
    if (runId && file.runId !== runId) continue;
    for (const r of file.ratios ?? []) measured[r.name] = r.ratio;
  }
  return measured;
}

module.exports = { FACTOR, boundOf, collect, compare };
