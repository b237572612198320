// The partners' webhook receivers, in a process of their own: `node sink-server.mjs <ports>`
// listens on that many loopback ports (one per endpoint, so each endpoint is its own origin, as
// real partners are), answers every POST 204 and counts it by port and `webhook-id`. It checks
// that every request carries a Standard Webhooks signature header, and verifies a sample of
// them with the `standardwebhooks` package (a verifier we did not write) against the endpoint
// secret it was given, so a benchmark cannot pass with unsigned or wrongly signed sends.
// Control, on the first port: POST /_sink/reset, GET /_sink/stats, /_sink/receipts, /_sink/events.
// Prints {"ports":[...]} once it listens.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Webhook } = require('standardwebhooks');

const portCount = Number(process.argv[2] ?? 1);
const now = () => performance.timeOrigin + performance.now();

let state;
function reset({ secrets = {}, verifyEvery = 100, record = false } = {}) {
  state = {
    verifiers: new Map(
      Object.entries(secrets).map(([port, secret]) => [Number(port), new Webhook(secret)]),
    ),
    verifyEvery,
    record,
    counts: new Map(),
    received: 0,
    duplicates: 0,
    unsigned: 0,
    verified: 0,
    badSignatures: 0,
    firstError: null,
    firstAt: null,
    lastAt: null,
    events: [],
  };
}
reset();

function receive(port, headers, body) {
  const at = now();
  const s = state;
  s.received++;
  s.firstAt ??= at;
  s.lastAt = at;
  const id = headers['webhook-id'];
  const key = `${port}/${id}`;
  const seen = s.counts.get(key) ?? 0;
  s.counts.set(key, seen + 1);
  if (seen > 0) s.duplicates++;
  const verifier = s.verifiers.get(port);
  if (verifier) {
    const signature = headers['webhook-signature'];
    if (
      !id ||
      !headers['webhook-timestamp'] ||
      typeof signature !== 'string' ||
      !signature.startsWith('v1,')
    ) {
      s.unsigned++;
      s.firstError ??= `port ${port}: a request without Standard Webhooks headers`;
    } else if (s.received <= 20 || s.received % s.verifyEvery === 0) {
      try {
        verifier.verify(body, headers);
        s.verified++;
      } catch (err) {
        s.badSignatures++;
        s.firstError ??= `port ${port}, ${id}: ${err.message}`;
      }
    }
  }
  if (s.record) {
    try {
      const event = JSON.parse(body);
      s.events.push({ id, type: event.type, orderId: event.data?.orderId ?? null, at });
    } catch {
      s.events.push({ id, type: null, orderId: null, at });
    }
  }
}

function control(req, res, body) {
  const send = (value) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  };
  const s = state;
  switch (`${req.method} ${req.url}`) {
    case 'POST /_sink/reset':
      reset(body ? JSON.parse(body) : {});
      return send({ ok: true });
    case 'GET /_sink/stats':
      return send({
        received: s.received,
        distinct: s.counts.size,
        duplicates: s.duplicates,
        unsigned: s.unsigned,
        verified: s.verified,
        badSignatures: s.badSignatures,
        firstError: s.firstError,
        firstAt: s.firstAt,
        lastAt: s.lastAt,
      });
    case 'GET /_sink/receipts':
      return send([...s.counts]);
    case 'GET /_sink/events':
      return send(s.events);
    default:
      res.writeHead(404).end();
  }
}

const ports = [];
for (let i = 0; i < portCount; i++) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.url.startsWith('/_sink/')) return control(req, res, body);
      receive(server.address().port, req.headers, body);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports.push(server.address().port);
}
process.stdout.write(`${JSON.stringify({ ports })}\n`);
