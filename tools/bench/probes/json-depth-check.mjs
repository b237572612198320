// What the nesting-depth check of JSON bodies (`nestsDeeperThan`, libs/service json-body.ts)
// costs per Stripe event: the scan character by character it began with, against the count of
// opening brackets with indexOf that now comes first (a body with no more of them than the limit
// cannot nest past it). Bodies: the benchmarks' payment_intent.succeeded event and an event
// around the charge fixture. Build first: npx nx run service:build.
// Usage: node tools/bench/probes/json-depth-check.mjs [checks per body]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { stripePaymentSucceeded } from '../lib/bench-kit.mjs';

const [checks = 200_000] = process.argv.slice(2).map(Number);
const require = createRequire(import.meta.url);
const {
  nestsDeeperThan,
  MAX_JSON_DEPTH,
} = require('../../../dist/libs/service/src/lib/http/json-body.js');

/** The check as it was: every character of the text visited in JavaScript. */
function scanEveryCharacter(text, limit) {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

const charge = JSON.parse(
  readFileSync(
    new URL('../../../libs/testing/src/lib/fixtures/stripe/charge.json', import.meta.url),
    'utf8',
  ),
);
const bodies = {
  'payment_intent.succeeded (benchmarks)': stripePaymentSucceeded(
    '00000000-0000-4000-8000-000000000000',
    3299,
  ),
  'charge.succeeded (fixture)': JSON.stringify({
    id: 'evt_probe',
    object: 'event',
    type: 'charge.succeeded',
    data: { object: charge },
  }),
};

/**
 * Microseconds per check, after a warm-up. The answers are counted and printed, so the compiler
 * cannot drop the checks as unused.
 */
let deeper = 0;
function timed(check, body) {
  for (let i = 0; i < checks / 10; i++) if (check(body, MAX_JSON_DEPTH)) deeper++;
  const started = process.hrtime.bigint();
  for (let i = 0; i < checks; i++) if (check(body, MAX_JSON_DEPTH)) deeper++;
  return Number(process.hrtime.bigint() - started) / checks / 1000;
}

console.log('| body | bytes | character scan µs | indexOf count first µs |');
console.log('|---|---:|---:|---:|');
for (const [name, body] of Object.entries(bodies)) {
  const before = timed(scanEveryCharacter, body);
  const after = timed(nestsDeeperThan, body);
  console.log(`| ${name} | ${body.length} | ${before.toFixed(2)} | ${after.toFixed(2)} |`);
}
console.log(`\n${deeper} checks found a body nested too deep (0 expected)`);
