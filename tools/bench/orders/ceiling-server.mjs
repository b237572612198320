// The ceiling for POST /orders on this machine: a bare Fastify route that parses the JSON body,
// sums the lines and commits one INSERT per request, answering 201 with the row, nothing else.
// `node ceiling-server.mjs <database url> <port>`; prints "ready" once it listens.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Fastify = require('fastify');
const { Pool } = require('pg');

const [databaseUrl, port] = process.argv.slice(2);
// As many connections as each service's pool (libs/service: max 10).
const pool = new Pool({ connectionString: databaseUrl, max: 10 });
await pool.query(
  `CREATE TABLE IF NOT EXISTS ceiling_orders (
     id uuid PRIMARY KEY, customer_id text NOT NULL, currency text NOT NULL,
     amount_total bigint NOT NULL, lines jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`,
);
const app = Fastify();
app.get('/health/ready', async () => ({ status: 'ok' }));
app.post('/orders', async (req, reply) => {
  const { customerId, currency, lines } = req.body ?? {};
  if (typeof customerId !== 'string' || typeof currency !== 'string' || !Array.isArray(lines))
    return reply.code(400).send({ error: { code: 'invalid_request' } });
  const amountTotal = lines.reduce((sum, l) => sum + l.quantity * l.unitPrice, 0);
  const { rows } = await pool.query(
    `INSERT INTO ceiling_orders (id, customer_id, currency, amount_total, lines)
     VALUES ($1, $2, $3, $4, $5) RETURNING id, customer_id, currency, amount_total, created_at`,
    [randomUUID(), customerId, currency, amountTotal, JSON.stringify(lines)],
  );
  return reply.code(201).send({ ...rows[0], status: 'pending_payment', lines });
});
// Exits on SIGTERM rather than dying of it, so a `--cpu-prof` run writes its profile.
process.on('SIGTERM', () => {
  app
    .close()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
