// The ceiling for durable Stripe intake on this machine: a bare Fastify route that verifies the
// signature over the raw body and commits one INSERT per request, nothing else.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Fastify = require('fastify');
const { Pool } = require('pg');

const [databaseUrl, port, secret] = process.argv.slice(2);
const pool = new Pool({ connectionString: databaseUrl, max: 10 });
await pool.query(
  'CREATE TABLE IF NOT EXISTS ceiling_events (id text PRIMARY KEY, payload jsonb NOT NULL)',
);
const app = Fastify();
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) =>
  done(null, body),
);
app.post('/webhooks/stripe', async (req, reply) => {
  const header = String(req.headers['stripe-signature'] ?? '');
  const t = /t=(\d+)/.exec(header)?.[1];
  const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.`).update(req.body).digest();
  if (!t || !v1 || !timingSafeEqual(expected, Buffer.from(v1, 'hex')))
    return reply.code(400).send();
  const event = JSON.parse(req.body.toString('utf8'));
  await pool.query(
    'INSERT INTO ceiling_events (id, payload) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [event.id, req.body.toString('utf8')],
  );
  return { received: true };
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
