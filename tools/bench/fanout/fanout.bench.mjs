// Fan-out cost per event with 10,000 endpoints, each with a filter: how many events per second
// go through the filter index and the compiled filters, beside the ceiling (a hand-written JS
// predicate per filter, all run in a linear scan: the best a scan without any interpretation
// does) and beside the path before (sift, every filter, a reason for every non-match), in the
// same run so that the ratios carry across machines.
// Reproduce: `npm run bench:fanout` (see docs/benchmarks.md).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeResults } from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
const sift = require('sift').default;
// Found by file name, wherever the app keeps them (its folders get reorganised).
const built = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../dist/apps/notifications',
);
const builtFiles = readdirSync(built, { recursive: true });
function builtModule(name) {
  const file = builtFiles.find((f) => path.basename(f) === name);
  if (!file) throw new Error(`no ${name} under ${built}: build notifications first`);
  return require(path.join(built, file));
}
const { CompiledFilter } = builtModule('subscription-filter.js');
const { FilterIndex } = builtModule('filter-index.js');

const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 10_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000);
// sift is two orders of magnitude slower: fewer events keep its rounds to seconds.
const SIFT_EVENTS = Number(process.env.BENCH_SIFT_EVENTS ?? Math.min(EVENTS, 40));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const currencies = ['usd', 'eur', 'gbp', 'jpy'];

// Realistic mixes: thresholds, currency sets, nested fields, $or and $not. With `d = 0` (the mix
// measured since the first run) many endpoints repeat a filter, as they do when partners copy
// one: 2,046 of 10,000 differ. With `d = i` every one differs, by a threshold.
function filterFor(i, d) {
  switch (i % 5) {
    case 0:
      return {
        type: 'payment.succeeded',
        'data.amount': { $gt: (i % 200) * 100 + d },
        'data.currency': currencies[i % 4],
      };
    case 1:
      return {
        'data.currency': { $in: [currencies[i % 4], currencies[(i + 1) % 4]] },
        'data.amount': { $gte: 500, $lt: 100_000 + d },
      };
    case 2:
      return {
        $or: [
          { 'data.amount': { $gt: 50_000 + d } },
          { 'data.card.country': { $in: ['US', 'CA'] } },
        ],
      };
    case 3:
      return { subject: { $ne: `order-${i}` }, 'data.card.brand': { $not: { $in: ['amex'] } } };
    default:
      return { 'data.refund': { $exists: false }, source: 'payments', version: { $lte: 1 + d } };
  }
}

// The ceiling: filterFor(i, d) written by hand for these events (every field present, no arrays).
function handWrittenFor(i, d) {
  switch (i % 5) {
    case 0: {
      const over = (i % 200) * 100 + d;
      const currency = currencies[i % 4];
      return (e) =>
        e.type === 'payment.succeeded' && e.data.amount > over && e.data.currency === currency;
    }
    case 1: {
      const [a, b] = [currencies[i % 4], currencies[(i + 1) % 4]];
      const under = 100_000 + d;
      return (e) =>
        (e.data.currency === a || e.data.currency === b) &&
        e.data.amount >= 500 &&
        e.data.amount < under;
    }
    case 2: {
      const over = 50_000 + d;
      return (e) =>
        e.data.amount > over || e.data.card.country === 'US' || e.data.card.country === 'CA';
    }
    case 3: {
      const subject = `order-${i}`;
      return (e) => e.subject !== subject && e.data.card.brand !== 'amex';
    }
    default: {
      const version = 1 + d;
      return (e) => !('refund' in e.data) && e.source === 'payments' && e.version <= version;
    }
  }
}

// The path before: sift matches, and a reason is worked out for every non-match.
function siftFilterFor(filter) {
  const matches = sift(filter);
  const clauses = Object.entries(filter).map(([key, value]) => [
    key,
    value,
    sift({ [key]: value }),
  ]);
  return (event) => {
    if (matches(event)) return { match: true };
    const [key, condition] = clauses.find(([, , check]) => !check(event));
    const actual = key.split('.').reduce((node, k) => node?.[k], event);
    const has = actual === undefined ? 'no such field' : JSON.stringify(actual);
    return {
      match: false,
      reason: `${key} ${JSON.stringify(condition)} did not match: the event has ${has}`,
    };
  };
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

const events = Array.from({ length: EVENTS }, (_, i) => eventFor(i));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let sink = 0;

function measure(d) {
  const filters = Array.from({ length: ENDPOINTS }, (_, i) => filterFor(i, d(i)));
  const compileStarted = performance.now();
  const compiled = filters.map((f) => new CompiledFilter(f));
  const compileMs = performance.now() - compileStarted;
  const indexStarted = performance.now();
  const index = new FilterIndex(compiled);
  const indexMs = performance.now() - indexStarted;
  const handWritten = filters.map((_, i) => handWrittenFor(i, d(i)));
  const siftFilters = filters.map(siftFilterFor);

  // The three paths must agree before their speed means anything.
  for (const event of events.slice(0, 50)) {
    const byIndex = index.matching(event).length;
    const byHand = handWritten.filter((p) => p(event)).length;
    const bySift = siftFilters.filter((f) => f(event).match).length;
    if (byIndex !== byHand || byIndex !== bySift)
      throw new Error(`matches differ: index ${byIndex}, hand-written ${byHand}, sift ${bySift}`);
  }

  // How many filters the index leaves to run per event, equal ones once (counted, untimed).
  let ran = 0;
  const counted = new Map();
  for (const f of compiled)
    if (!counted.has(f.firstFailure))
      counted.set(f.firstFailure, (e) => (ran++, f.firstFailure(e)));
  const counting = new FilterIndex(
    compiled.map((f) => ({ filter: f.filter, firstFailure: counted.get(f.firstFailure) })),
  );
  for (const event of events) counting.matching(event);
  let matched = 0;
  for (const event of events) matched += index.matching(event).length;

  const paths = {
    ceiling: () => {
      for (const event of events) for (const p of handWritten) if (p(event)) sink++;
      return EVENTS;
    },
    index: () => {
      for (const event of events) sink += index.matching(event).length;
      return EVENTS;
    },
    // What fan-out does per event: the index, then a reason for each endpoint the event did not
    // pass, worded once per distinct filter (FilterIndex.verdicts, as fan-out calls it).
    indexWithReasons: () => {
      for (const event of events) sink += index.verdicts(event).length;
      return EVENTS;
    },
    sift: () => {
      for (const event of events.slice(0, SIFT_EVENTS))
        for (const f of siftFilters) if (f(event).match) sink++;
      return SIFT_EVENTS;
    },
  };
  const rates = Object.fromEntries(Object.keys(paths).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, run] of Object.entries(paths)) {
      const started = performance.now();
      const count = run();
      const seconds = (performance.now() - started) / 1000;
      if (round > 0) rates[name].push(count / seconds); // round 0 warms the JIT
    }
  }
  return {
    compileMs,
    indexMs,
    distinctFilters: new Set(compiled.map((f) => f.firstFailure)).size,
    candidatesPerEvent: ran / EVENTS,
    matchedShare: matched / (EVENTS * ENDPOINTS),
    rate: Object.fromEntries(Object.entries(rates).map(([name, xs]) => [name, median(xs)])),
  };
}

const mixes = [
  ['repeated filters (the mix of earlier runs)', measure(() => 0)],
  ['every filter distinct', measure((i) => i)],
];

const n = (x) => Math.round(x).toLocaleString('en-US');
console.log(
  `# fan-out benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${ROUNDS} rounds`,
);
console.log('');
console.log(
  `${n(ENDPOINTS)} endpoints, each with a filter; ${EVENTS} events per round (${SIFT_EVENTS} for sift)`,
);
for (const [name, m] of mixes) {
  const ratio = (x) => (x / m.rate.ceiling).toFixed(2);
  console.log('');
  console.log(
    `## ${name}: ${n(m.distinctFilters)} distinct filters; compile all ${n(m.compileMs)} ms, ` +
      `index ${n(m.indexMs)} ms; the index leaves ${n(m.candidatesPerEvent)} filters to run per event; ` +
      `share matched ${(m.matchedShare * 100).toFixed(1)}%`,
  );
  console.log('');
  console.log('| path | events/s | × ceiling |');
  console.log('|---|---:|---:|');
  console.log(
    `| ceiling: a hand-written predicate per filter, linear scan | ${n(m.rate.ceiling)} | 1.00 |`,
  );
  console.log(
    `| index + compiled filters (which endpoints pass) | ${n(m.rate.index)} | ${ratio(m.rate.index)} |`,
  );
  console.log(
    `| index + compiled filters + a reason per non-match (what fan-out writes) | ${n(m.rate.indexWithReasons)} | ${ratio(m.rate.indexWithReasons)} |`,
  );
  console.log(
    `| before: sift on every filter, a reason per non-match | ${n(m.rate.sift)} | ${ratio(m.rate.sift)} |`,
  );
  console.log('');
  console.log(
    `index + compiled filters ÷ ceiling: ${ratio(m.rate.index)}; target ≥ 1,000 events/s ${m.rate.index >= 1000 ? 'met' : 'not met'}`,
  );
}
writeResults(
  'fanout',
  mixes.flatMap(([, m], i) => {
    const mix = i === 0 ? 'repeated' : 'distinct';
    return [
      { name: `fanout.${mix}.index.x-ceiling`, ratio: m.rate.index / m.rate.ceiling },
      {
        name: `fanout.${mix}.with-reasons.x-ceiling`,
        ratio: m.rate.indexWithReasons / m.rate.ceiling,
      },
    ];
  }),
);
if (sink < 0) console.log(sink); // keeps the work observable
