import Fastify, { type FastifyInstance } from 'fastify';
import { get } from 'node:http';
import { type Level } from 'pino';
import { serviceLogger } from './logger-options';
import { logRequests } from './request-log';

type Line = Record<string, unknown> & { msg?: string; level?: number };

/** A request `/slow` holds until `release`; `arrived` resolves once one is in its handler. */
function slowRoute() {
  let release = () => undefined as void;
  let arrived = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const inHandler = new Promise<void>((resolve) => (arrived = resolve));
  return { held, inHandler, release: () => release(), arrived: () => arrived() };
}

const slow = slowRoute();

/** A Fastify server whose requests `logRequests` logs to an array, at `level`. */
async function loggedServer(level: Level): Promise<{ app: FastifyInstance; lines: Line[] }> {
  const lines: Line[] = [];
  const logger = serviceLogger(
    'payments',
    { LOG_LEVEL: level, LOG_FORMAT: 'json' },
    {
      write: (line: string) => void lines.push(JSON.parse(line) as Line),
    },
  );
  const app = Fastify();
  logRequests(app, logger);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/slow', async () => {
    slow.arrived();
    await slow.held;
    return { ok: true };
  });
  app.get('/boom', async (_req, reply) => reply.code(500).send({ error: 'internal' }));
  app.get('/health/ready', async (_req, reply) => reply.code(503).send({ status: 'error' }));
  app.post('/webhooks/stripe', async (_req, reply) =>
    reply
      .code(404)
      .header('set-cookie', 'sy_console=never_in_a_log')
      .header('etag', 'kept')
      .send({ error: 'not_found' }),
  );
  await app.ready();
  return { app, lines };
}

const urlOf = (line: Line | undefined) => (line?.['req'] as { url?: string } | undefined)?.url;
const WARN = 40;

describe('the request log', () => {
  it('logs a failed request at warn, naming it, with no secret header of the request or cookie of its answer', async () => {
    // Given the service logger at info
    const { app, lines } = await loggedServer('info');

    // When a request with a signature, an API key and an ordinary header is answered 404
    await app.inject({
      method: 'POST',
      url: '/webhooks/stripe',
      headers: {
        'stripe-signature': 't=1,v1=never_in_a_log',
        'x-api-key': 'never_in_a_log',
        'x-trace': 'kept',
      },
    });

    // Then its line names the request and its answer, keeps ordinary headers, and holds no secret
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: WARN,
      name: 'payments',
      msg: 'request completed',
      req: {
        method: 'POST',
        url: '/webhooks/stripe',
        headers: { 'stripe-signature': '[redacted]', 'x-api-key': '[redacted]', 'x-trace': 'kept' },
      },
      res: { statusCode: 404, headers: { 'set-cookie': '[redacted]', etag: 'kept' } },
      responseTime: expect.any(Number),
    });
    expect(JSON.stringify(lines)).not.toContain('never_in_a_log');
    await app.close();
  });

  it('logs an answer of 500 at error', async () => {
    const { app, lines } = await loggedServer('info');

    await app.inject({ method: 'GET', url: '/boom' });

    expect(lines).toEqual([
      expect.objectContaining({ level: 50, res: { statusCode: 500, headers: expect.any(Object) } }),
    ]);
    await app.close();
  });

  it('writes no line for a successful request at info, and one at debug', async () => {
    // Given one server at info and one at debug
    const atInfo = await loggedServer('info');
    const atDebug = await loggedServer('debug');

    // When each answers a request with 200, then (the marker that the first was done) one with 404
    for (const { app } of [atInfo, atDebug]) {
      await app.inject({ method: 'GET', url: '/ok' });
      await app.inject({ method: 'POST', url: '/webhooks/stripe' });
    }

    // Then only the debug one logged the 200
    expect(atInfo.lines.map(urlOf)).toEqual(['/webhooks/stripe']);
    expect(atDebug.lines.map(urlOf)).toEqual(['/ok', '/webhooks/stripe']);
    expect(atDebug.lines[0]).toMatchObject({ level: 20, res: { statusCode: 200 } });
    await atInfo.app.close();
    await atDebug.app.close();
  });

  it('does not log health checks, even failed ones', async () => {
    const { app, lines } = await loggedServer('debug');

    await app.inject({ method: 'GET', url: '/health/ready' });
    await app.inject({ method: 'POST', url: '/webhooks/stripe' });

    expect(lines.map(urlOf)).toEqual(['/webhooks/stripe']);
    await app.close();
  });

  it('logs a request its client abandoned before the answer, at debug', async () => {
    // Given the service logger at debug, listening
    const { app, lines } = await loggedServer('debug');
    const address = await app.listen({ port: 0, host: '127.0.0.1' });

    try {
      // When a client hangs up while its request is being handled: its socket destroyed, with no
      // client library's abort in between (with fetch's, the test once ran out of its 60 s under
      // CI's load)
      const request = get(`${address}/slow`);
      const closed = new Promise((resolve) => request.on('close', resolve));
      request.on('error', () => undefined);
      await slow.inHandler;
      request.destroy();
      await closed;

      // Then a line names the request as aborted
      const deadline = Date.now() + 5000;
      while (
        !lines.some((l) => l.msg === 'request aborted by the client') &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(lines.find((l) => l.msg === 'request aborted by the client')).toMatchObject({
        level: 20,
        req: { method: 'GET', url: '/slow' },
      });
    } finally {
      slow.release();
      // A connection left open must not hold the close up.
      app.server.closeAllConnections();
      await app.close();
    }
  });
});
