import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { postForAnswer } from './outbound-answer';

describe('postForAnswer', () => {
  let server: Server;
  let origin: string;
  /** Paths of the requests the server received, in order. */
  const received: string[] = [];
  /** Answers the server holds open until a test ends them. */
  const held: ServerResponse[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.url ?? '');
      req.resume();
      req.on('end', () => answer(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  beforeEach(() => {
    received.length = 0;
  });

  afterEach(() => {
    for (const res of held.splice(0)) res.destroy();
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (path: string, more: { timeoutMs?: number; signal?: AbortSignal } = {}) => ({
    path,
    headers: { 'content-type': 'application/json' },
    body: '{"type":"order.paid"}',
    timeoutMs: more.timeoutMs ?? 2000,
    bodyLimit: 8,
    ...(more.signal && { signal: more.signal }),
  });

  /** A pool of one connection, taken by a request the endpoint holds until the test ends it. */
  async function holdTheOnlyConnection(): Promise<{ pool: Pool; holding: Promise<unknown> }> {
    answer = (req, res) => {
      if (req.url === '/held') held.push(res);
      else res.writeHead(204).end();
    };
    const pool = new Pool(origin, { connections: 1 });
    const holding = postForAnswer(pool, post('/held')).catch((err: unknown) => err);
    await waitFor(() => held.length === 1);
    return { pool, holding };
  }

  it('keeps the status, retry-after and the first bytes of a long answer, and the connection', async () => {
    // Given an endpoint that answers 503 with a body in several chunks past the limit
    answer = (_req, res) => {
      res.writeHead(503, { 'retry-after': '120' });
      res.write('0123');
      setTimeout(() => res.end('456789abcdef'), 20);
    };
    const pool = new Pool(origin, { connections: 1 });

    // When it is posted to twice over one connection
    const first = await postForAnswer(pool, post('/first'));
    const second = await postForAnswer(pool, post('/second'));

    // Then each answer keeps the limit's worth of its body, and the second went out after the first
    expect(first).toEqual({ statusCode: 503, retryAfter: '120', body: '01234567' });
    expect(second.body).toBe('01234567');
    expect(received).toEqual(['/first', '/second']);
    await pool.close();
  });

  it('never sends a request whose time ran out while it waited for a connection', async () => {
    // Given a pool of one connection, held by a request the endpoint does not answer
    const { pool, holding } = await holdTheOnlyConnection();

    // When a second request's time runs out before the connection is free
    let settled = false;
    const started = performance.now();
    const late = postForAnswer(pool, post('/late', { timeoutMs: 50 }))
      .catch((err: unknown) => err)
      .finally(() => (settled = true));
    await waitFor(() => performance.now() - started > 150);

    // Then it keeps its place until undici hands it the connection (the caller's slot stays
    // taken, so such requests never pile up), and fails then as a timeout, unsent
    expect(settled).toBe(false);
    held.splice(0).forEach((res) => res.writeHead(204).end());
    await holding;
    expect(((await late) as Error).name).toBe('TimeoutError');
    await postForAnswer(pool, post('/marker'));
    expect(received).toEqual(['/held', '/marker']);
    await pool.close();
  });

  it('fails with the signal’s reason, at once, when the call is cut, and leaves no listener', async () => {
    // Given a request in flight that the endpoint does not answer
    answer = (_req, res) => held.push(res);
    const pool = new Pool(origin);
    const shutdown = new AbortController();
    const sending = postForAnswer(pool, post('/cut', { signal: shutdown.signal })).catch(
      (err: unknown) => err,
    );
    await waitFor(() => held.length === 1);

    // When our side cuts it
    shutdown.abort(new Error('shutting down'));

    // Then the call fails with that reason, and the signal keeps no listener of it
    expect(((await sending) as Error).message).toBe('shutting down');
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    await pool.close();
  });

  it('fails at once when cut while still waiting for a connection, and never sends it', async () => {
    // Given a pool of one connection, held by a request the endpoint does not answer
    const { pool, holding } = await holdTheOnlyConnection();
    const shutdown = new AbortController();
    const waiting = postForAnswer(pool, post('/queued', { signal: shutdown.signal })).catch(
      (err: unknown) => err,
    );

    // When our side cuts it, the connection still held
    shutdown.abort(new Error('shutting down'));

    // Then it fails at once with that reason, and once the connection is free it is not sent
    expect(((await waiting) as Error).message).toBe('shutting down');
    expect(held).toHaveLength(1);
    held.splice(0).forEach((res) => res.writeHead(204).end());
    await holding;
    await postForAnswer(pool, post('/marker'));
    expect(received).toEqual(['/held', '/marker']);
    await pool.close();
  });

  it('sends nothing when the signal is already aborted', async () => {
    answer = (_req, res) => res.writeHead(204).end();
    const pool = new Pool(origin);
    const shutdown = new AbortController();
    shutdown.abort(new Error('already stopped'));

    const err = await postForAnswer(pool, post('/never', { signal: shutdown.signal })).catch(
      (e: unknown) => e,
    );
    await postForAnswer(pool, post('/marker'));

    expect((err as Error).message).toBe('already stopped');
    expect(received).toEqual(['/marker']);
    await pool.close();
  });

  it("fails with undici's error when the endpoint cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const pool = new Pool(`http://127.0.0.1:${port}`);

    const err = await postForAnswer(pool, post('/hook')).catch((e: unknown) => e);

    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await pool.close();
  });
});

async function waitFor(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
