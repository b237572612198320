// Fan-out cost per event with 10,000 endpoints, each with a filter: how many events per second
// the matcher gets through when every event is tested against every endpoint's filter.
// Reproduce: `npm run bench:fanout` (see docs/benchmarks.md).
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
// Found by file name, wherever the app keeps it (its folders are being reorganised).
const built = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../dist/apps/notifications',
);
const filterModule = readdirSync(built, { recursive: true }).find(
  (f) => path.basename(f) === 'endpoint-filter.js',
);
if (!filterModule)
  throw new Error(`no endpoint-filter.js under ${built}: build notifications first`);
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

let matched = 0;
const results = [];
for (let round = 0; round < ROUNDS + 1; round++) {
  const started = performance.now();
  for (const event of events) for (const filter of filters) if (filter.test(event).match) matched++;
  const seconds = (performance.now() - started) / 1000;
  if (round > 0) results.push(EVENTS / seconds); // round 0 warms the JIT
}
results.sort((a, b) => a - b);
const median = results[Math.floor(results.length / 2)];

console.log(
  `# fan-out benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, median of ${ROUNDS} rounds`,
);
console.log('');
console.log(
  '| endpoints with a filter | events per round | compile all filters | events/s through the matcher | filter evaluations/s | share matched |',
);
console.log('|---:|---:|---:|---:|---:|---:|');
console.log(
  `| ${ENDPOINTS.toLocaleString('en-US')} | ${EVENTS} | ${Math.round(compileMs)} ms | ${Math.round(median).toLocaleString('en-US')} | ${Math.round(median * ENDPOINTS).toLocaleString('en-US')} | ${((matched / ((ROUNDS + 1) * EVENTS * ENDPOINTS)) * 100).toFixed(1)}% |`,
);
