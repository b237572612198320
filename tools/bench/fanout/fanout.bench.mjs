// Fan-out cost per event with 10,000 endpoints, each with a filter: how many events per second
// the matcher gets through when every event is tested against every endpoint's filter.
// Reproduce: `npm run bench:fanout` (see docs/benchmarks.md).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
// Found by file name, wherever the app keeps it (its folders are being reorganised).
const built = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../dist/apps/notifications',
);
// It was endpoint-filter.js until the app's names changed; either will do.
const filterNames = ['subscription-filter.js', 'endpoint-filter.js'];
const filterModule = readdirSync(built, { recursive: true }).find((f) =>
  filterNames.includes(path.basename(f)),
);
if (!filterModule)
  throw new Error(`no ${filterNames.join(' or ')} under ${built}: build notifications first`);
const { CompiledFilter } = require(path.join(built, filterModule));

const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 10_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 200);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const currencies = ['usd', 'eur', 'gbp', 'jpy'];

// Realistic mixes: thresholds, currency sets, nested fields, $or and $not.
function filterFor(i) {
  switch (i % 5) {
    case 0:
      return {
        type: 'payment.succeeded',
        'data.amount': { $gt: (i % 200) * 100 },
        'data.currency': currencies[i % 4],
      };
    case 1:
      return {
        'data.currency': { $in: [currencies[i % 4], currencies[(i + 1) % 4]] },
        'data.amount': { $gte: 500, $lt: 100_000 },
      };
    case 2:
      return {
        $or: [{ 'data.amount': { $gt: 50_000 } }, { 'data.card.country': { $in: ['US', 'CA'] } }],
      };
    case 3:
      return { subject: { $ne: `order-${i}` }, 'data.card.brand': { $not: { $in: ['amex'] } } };
    default:
      return { 'data.refund': { $exists: false }, source: 'payments', version: { $lte: 1 } };
  }
}

/**
 * The ceiling: each filter above written by hand as a JavaScript predicate, one closure per
 * endpoint as compiled filters are. Any matcher must at least read the same fields and compare
 * them; this does only that (no operator dispatch, no reason for a non-match), so the matcher's
 * evaluations/s over these is a ratio that carries from one machine to another.
 */
function predicateFor(i) {
  const currency = currencies[i % 4];
  const next = currencies[(i + 1) % 4];
  switch (i % 5) {
    case 0: {
      const threshold = (i % 200) * 100;
      return (e) =>
        e.type === 'payment.succeeded' &&
        e.data?.amount > threshold &&
        e.data?.currency === currency;
    }
    case 1:
      return (e) =>
        (e.data?.currency === currency || e.data?.currency === next) &&
        e.data?.amount >= 500 &&
        e.data?.amount < 100_000;
    case 2:
      return (e) =>
        e.data?.amount > 50_000 || e.data?.card?.country === 'US' || e.data?.card?.country === 'CA';
    case 3: {
      const subject = `order-${i}`;
      return (e) => e.subject !== subject && e.data?.card?.brand !== 'amex';
    }
    default:
      return (e) => e.data?.refund === undefined && e.source === 'payments' && e.version <= 1;
  }
}

function eventFor(i) {
  return {
    id: `019ac9c4-5f2e-7b3a-8c1d-${String(i).padStart(12, '0')}`,
    type: 'payment.succeeded',
    version: 1,
    source: 'payments',
    subject: `order-${i}`,
    occurredAt: '2026-11-28T10:15:30.000Z',
    data: {
      amount: (i * 7919) % 150_000,
      currency: currencies[i % 4],
      card: { brand: i % 3 ? 'visa' : 'amex', country: i % 2 ? 'US' : 'FR' },
    },
  };
}

const compileStarted = performance.now();
const filters = Array.from({ length: ENDPOINTS }, (_, i) => new CompiledFilter(filterFor(i)));
const compileMs = performance.now() - compileStarted;
const events = Array.from({ length: EVENTS }, (_, i) => eventFor(i));

const predicates = Array.from({ length: ENDPOINTS }, (_, i) => predicateFor(i));

let matched = 0;
let matchedByHand = 0;
const results = [];
const ceilingResults = [];
const pairRatios = [];
/** Runs `fn` until `minMs` have passed (once at least): seconds, passes, the first pass's count. */
function timed(fn, minMs) {
  let passes = 0;
  let matches = 0;
  const started = performance.now();
  do {
    const n = fn();
    if (passes++ === 0) matches = n;
  } while (performance.now() - started < minMs);
  return { seconds: (performance.now() - started) / 1000, passes, matches };
}
// Matcher and ceiling alternate every few events, and the ratio is the median of those pairs:
// on a machine shared with other work a busy moment then falls on both sides of one pair, or
// spoils one pair, not a whole round. One pass of the ceiling over a chunk takes a fraction of
// a millisecond, so it is repeated for at least 2 ms.
const CHUNK = 5;
for (let round = 0; round < ROUNDS + 1; round++) {
  let matcherSeconds = 0;
  let ceilingSeconds = 0;
  let ceilingEvents = 0;
  for (let from = 0; from < EVENTS; from += CHUNK) {
    const chunk = events.slice(from, from + CHUNK);
    const m = timed(() => {
      let n = 0;
      for (const event of chunk) for (const filter of filters) if (filter.test(event).match) n++;
      return n;
    }, 0);
    const c = timed(() => {
      let n = 0;
      for (const event of chunk) for (const test of predicates) if (test(event)) n++;
      return n;
    }, 2);
    matched += m.matches;
    matchedByHand += c.matches;
    if (round === 0) continue; // round 0 warms the JIT
    matcherSeconds += m.seconds;
    ceilingSeconds += c.seconds;
    ceilingEvents += c.passes * chunk.length;
    pairRatios.push(chunk.length / m.seconds / ((c.passes * chunk.length) / c.seconds));
  }
  if (round > 0) {
    results.push(EVENTS / matcherSeconds);
    ceilingResults.push(ceilingEvents / ceilingSeconds);
  }
}
const medianOf = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const median = medianOf(results);
const ceilingMedian = medianOf(ceilingResults);
// The ceiling must do the same work: the same events matched by the same endpoints.
if (matchedByHand !== matched)
  throw new Error(
    `the hand-written ceiling matched ${matchedByHand} times, the filters ${matched}`,
  );

console.log(
  `# fan-out benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${ROUNDS} rounds`,
);
console.log('');
console.log(
  '| endpoints with a filter | events per round | compile all filters | events/s through the matcher | filter evaluations/s | ceiling: hand-written predicates evaluations/s | × ceiling | share matched |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|');
const ratio = medianOf(pairRatios);
console.log(
  `| ${ENDPOINTS.toLocaleString('en-US')} | ${EVENTS} | ${Math.round(compileMs)} ms | ${Math.round(median).toLocaleString('en-US')} | ${Math.round(median * ENDPOINTS).toLocaleString('en-US')} | ${Math.round(ceilingMedian * ENDPOINTS).toLocaleString('en-US')} | ${ratio.toFixed(ratio < 0.1 ? 4 : 2)} | ${((matched / ((ROUNDS + 1) * EVENTS * ENDPOINTS)) * 100).toFixed(1)}% |`,
);
writeResults('fanout', [{ name: 'fanout.x-hand-written', ratio }]);
