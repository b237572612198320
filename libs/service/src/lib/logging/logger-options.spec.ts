import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { serviceLogger } from './logger-options';

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
    logger: serviceLogger('notifications', { LOG_LEVEL: 'debug', LOG_FORMAT: 'json' }, sink),
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
});
