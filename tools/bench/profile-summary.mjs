// Where a .cpuprofile spent its time: self time by function and by file, the top rows.
// Usage: node tools/bench/profile-summary.mjs <file.cpuprofile> [rows] [--last <seconds>]
//        [--busiest <seconds>]
// --last: only the samples of the profile's last N seconds (a benchmark's measured window,
// without the process's boot and set-up). --busiest: only those of the N seconds with the most
// CPU (the measured window of a benchmark that runs set-up and other phases around it). (idle)
// counts in the seconds sampled, not in the shares.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) return undefined;
  const seconds = Number(args.splice(at, 2)[1]);
  if (!(seconds > 0)) {
    process.stderr.write(`${name} takes a number of seconds, more than 0\n`);
    process.exit(2);
  }
  return seconds;
};
const lastSeconds = option('--last') ?? Infinity;
const busiestSeconds = option('--busiest');
if (busiestSeconds !== undefined && lastSeconds !== Infinity) {
  process.stderr.write('--last and --busiest choose the window two ways: give one of them\n');
  process.exit(2);
}
const [file, rowsArg] = args;
if (!file) {
  process.stderr.write('usage: node tools/bench/profile-summary.mjs <file.cpuprofile> [rows]\n');
  process.exit(2);
}
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const [from, to] =
  busiestSeconds === undefined
    ? [profile.endTime - lastSeconds * 1e6, Infinity]
    : busiestWindow(busiestSeconds * 1e6);
let at = profile.startTime;
let sampledUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < from || at > to) continue;
  const id = profile.samples[i];
  sampledUs += profile.timeDeltas[i] ?? 0;
  if (byId.get(id).callFrame.functionName === '(idle)') continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
const byFunction = new Map();
const byFile = new Map();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id).callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'node_modules/');
  add(byFunction, `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`, us);
  add(byFile, where.replace(/^(node_modules\/(@[^/]+\/)?[^/]+)\/.*/, '$1') || '(native)', us);
}
// Total time: a function's own samples and those of everything it called (each counted once
// per sample however deep the recursion), for the code of this repository (dist/).
const parentOf = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const ownTotal = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let node = id; node !== undefined; node = parentOf.get(node)) {
    const { functionName, url, lineNumber } = byId.get(node).callFrame;
    if (!url.includes('/dist/') || url.includes('node_modules')) continue;
    const key = `${functionName || '(anonymous)'} ${url.replace(/.*\/dist\//, '')}:${lineNumber + 1}`;
    if (seen.has(key)) continue;
    seen.add(key);
    add(ownTotal, key, us);
  }
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
  }
};
console.log(
  `${file}: ${(sampledUs / 1e6).toFixed(1)} s sampled, ${(total / 1e6).toFixed(1)} s not idle (the shares below)`,
);
show('self time by package or file', byFile);
show('self time by function', byFunction);
show("total time (self and callees) of this repository's functions", ownTotal);

/** [start, end] of the `widthUs` with the most samples that are not idle (a sliding window). */
function busiestWindow(widthUs) {
  const idleIds = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const busy = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (!idleIds.has(profile.samples[i])) busy.push([t, profile.timeDeltas[i] ?? 0]);
  }
  let best = [profile.startTime, profile.startTime + widthUs];
  let bestUs = -1;
  let sum = 0;
  let start = 0;
  for (let end = 0; end < busy.length; end++) {
    sum += busy[end][1];
    while (busy[end][0] - busy[start][0] > widthUs) sum -= busy[start++][1];
    if (sum > bestUs) [bestUs, best] = [sum, [busy[start][0], busy[start][0] + widthUs]];
  }
  return best;
}
