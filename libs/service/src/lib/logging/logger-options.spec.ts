import { pinoHttp } from 'pino-http';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { httpLoggerOptions } from './logger-options';

/** The service logger as LOG_FORMAT=json configures it, writing its lines to an array. */
function jsonLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return {
    logger: pinoHttp(httpLoggerOptions('notifications', { LOG_LEVEL: 'debug' }), sink).logger,
    lines,
  };
}

describe('the service logger (LOG_FORMAT=json)', () => {
  it('writes JSON lines named after the service, at LOG_LEVEL', () => {
    const { logger, lines } = jsonLogger();

    logger.debug({ deliveryId: 'd1' }, 'webhook attempt');

    expect(lines).toEqual([
      expect.objectContaining({ name: 'notifications', msg: 'webhook attempt', deliveryId: 'd1' }),
    ]);
  });

  it('never writes what a failed query was given, wherever the error is logged', () => {
    const { logger, lines } = jsonLogger();
    const err = new QueryFailedError('INSERT …', ['whsec_never_in_a_log'], new Error('boom'));

    logger.error({ err }, 'recording a delivery attempt failed');

    expect(JSON.stringify(lines)).not.toContain('whsec_never_in_a_log');
    expect(lines[0]?.['err']).toMatchObject({ type: 'QueryFailedError', message: 'boom' });
  });

  it('redacts credential headers of a logged request', () => {
    const { logger, lines } = jsonLogger();

    logger.warn({ req: { headers: { authorization: 'Bearer never_in_a_log' } } }, 'x');

    expect(lines[0]?.['req']).toEqual({ headers: { authorization: '[redacted]' } });
  });

  it('redacts the credential headers of every request pino-http logs, and the cookies its response sets', async () => {
    // Given the service logger in front of a server that answers 404 (a request logged at warn)
    const lines: Record<string, unknown>[] = [];
    const middleware = pinoHttp(httpLoggerOptions('payments', { LOG_LEVEL: 'debug' }), {
      write: (line: string) => void lines.push(JSON.parse(line)),
    } as never);
    const server = createServer((req, res) => {
      middleware(req, res);
      res.statusCode = 404;
      res.setHeader('set-cookie', 'sy_console=never_in_a_log');
      res.setHeader('etag', 'kept');
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    // When a request carries a signature, an API key and an ordinary header
    await fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'stripe-signature': 't=1,v1=never_in_a_log',
        'x-api-key': 'never_in_a_log',
        'x-trace': 'kept',
      },
    });
    // (pino-http writes the line when the response finishes, before the client has it)
    await new Promise<void>((resolve) => server.close(() => resolve()));

    // Then its line names the request, keeps the ordinary headers, and holds no secret
    const line = lines.find(
      (l) => (l['req'] as { url?: string } | undefined)?.url === '/webhooks/stripe',
    );
    expect(line?.['req']).toMatchObject({
      method: 'POST',
      headers: { 'stripe-signature': '[redacted]', 'x-api-key': '[redacted]', 'x-trace': 'kept' },
    });
    expect(line?.['res']).toMatchObject({
      statusCode: 404,
      headers: { 'set-cookie': '[redacted]', etag: 'kept' },
    });
    expect(JSON.stringify(lines)).not.toContain('never_in_a_log');
  });
});
