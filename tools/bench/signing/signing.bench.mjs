// Signing and verification throughput: ours beside the libraries users would pick instead
// (standardwebhooks, svix, stripe) and beside bare node:crypto, the ceiling. One process, one
// run, medians over rounds. Reproduce: `npm run bench:signing` (see docs/benchmarks.md).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import { Bench } from 'tinybench';
import { writeResults } from '../lib/bench-kit.mjs';

const require = createRequire(import.meta.url);
const ours = require('../../../dist/libs/signing/src/index.js');
const { Webhook: StandardWebhooksLib } = require('standardwebhooks');
const { Webhook: SvixLib } = require('svix');
const Stripe = require('stripe');

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const timeMs = Number(process.env.BENCH_TIME_MS ?? 500);
const stripe = new Stripe('sk_test_bench');
const secret = ours.generateSecret();
const stripeSecret = 'whsec_bench_stripe_secret_0123456789';
const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
const msgId = 'msg_2Lh9gFf6Y0bR6zBvU7Fv9nJ3kQx';

/** A JSON body of exactly `size` bytes (the other libraries parse what they verify). */
function payloadOf(size) {
  const overhead = JSON.stringify({ type: 'order.paid', pad: '' }).length;
  return Buffer.from(JSON.stringify({ type: 'order.paid', pad: 'x'.repeat(size - overhead) }));
}

function tasksFor(size) {
  const body = payloadOf(size);
  const bodyText = body.toString('utf8');
  const now = Math.floor(Date.now() / 1000);
  const oursSw = new ours.StandardWebhook(secret);
  const refSw = new StandardWebhooksLib(secret);
  const svix = new SvixLib(secret);
  const oursStripe = new ours.StripeSignatureVerifier(stripeSecret);
  const headers = oursSw.sign(msgId, now, body);
  const stripeHeader = oursStripe.sign(body, now);
  const expected = Buffer.from(headers['webhook-signature'].slice(3), 'base64');
  const at = new Date(now * 1000);

  // Every contestant must accept the same message before it is timed.
  oursSw.verify(headers, body);
  refSw.verify(bodyText, headers);
  svix.verify(bodyText, headers);
  oursStripe.verify(stripeHeader, body);
  stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret);

  return {
    sign: {
      'node:crypto (ceiling)': () =>
        createHmac('sha256', key).update(`${msgId}.${now}.`).update(body).digest('base64'),
      'switchyard StandardWebhook.sign': () => oursSw.sign(msgId, now, body),
      'standardwebhooks Webhook.sign': () => refSw.sign(msgId, at, bodyText),
      'svix Webhook.sign': () => svix.sign(msgId, at, bodyText),
      'switchyard StripeSignatureVerifier.sign': () => oursStripe.sign(body, now),
      'stripe generateTestHeaderString': () =>
        stripe.webhooks.generateTestHeaderString({
          payload: bodyText,
          secret: stripeSecret,
          timestamp: now,
        }),
    },
    verify: {
      'node:crypto (ceiling)': () =>
        timingSafeEqual(
          createHmac('sha256', key).update(`${msgId}.${now}.`).update(body).digest(),
          expected,
        ),
      'switchyard StandardWebhook.verify': () => oursSw.verify(headers, body),
      'standardwebhooks Webhook.verify': () => refSw.verify(bodyText, headers),
      'svix Webhook.verify': () => svix.verify(bodyText, headers),
      'switchyard StripeSignatureVerifier.verify': () => oursStripe.verify(stripeHeader, body),
      'stripe constructEvent': () =>
        stripe.webhooks.constructEvent(body, stripeHeader, stripeSecret),
    },
  };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const results = [];
for (const [label, size] of [
  ['1 KB', 1024],
  ['64 KB', 64 * 1024],
]) {
  const tasks = tasksFor(size);
  for (const [operation, contestants] of Object.entries(tasks)) {
    const samples = Object.fromEntries(Object.keys(contestants).map((name) => [name, []]));
    for (let round = 0; round < rounds; round++) {
      const bench = new Bench({ time: timeMs, warmupTime: 100 });
      for (const [name, fn] of Object.entries(contestants)) bench.add(name, fn);
      await bench.run();
      for (const task of bench.tasks) samples[task.name].push(task.result.throughput.mean);
    }
    const ceiling = median(samples['node:crypto (ceiling)']);
    for (const [name, values] of Object.entries(samples)) {
      const opsPerSecond = median(values);
      results.push({ size: label, operation, name, opsPerSecond, ratio: opsPerSecond / ceiling });
    }
  }
}

const format = (n) => Math.round(n).toLocaleString('en-US');
console.log(
  `# signing benchmark: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${rounds} rounds × ${timeMs} ms, medians\n`,
);
console.log('| payload | operation | implementation | ops/s | × node:crypto |');
console.log('|---|---|---|---:|---:|');
for (const r of results) {
  console.log(
    `| ${r.size} | ${r.operation} | ${r.name} | ${format(r.opsPerSecond)} | ${r.ratio.toFixed(2)} |`,
  );
}

// Only our own rows are guarded: a competitor's ratio moving says nothing about this code.
const guarded = {
  'switchyard StandardWebhook.sign': 'standard-webhooks',
  'switchyard StandardWebhook.verify': 'standard-webhooks',
  'switchyard StripeSignatureVerifier.sign': 'stripe',
  'switchyard StripeSignatureVerifier.verify': 'stripe',
};
writeResults(
  'signing',
  results
    .filter((r) => guarded[r.name])
    .map((r) => ({
      name: `signing.${r.size.replace(' ', '').toLowerCase()}.${r.operation}.${guarded[r.name]}.x-node-crypto`,
      ratio: r.ratio,
    })),
);
