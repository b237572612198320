import pino from 'pino';
import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { prettyDestination } from './pretty-destination';

/** A pretty logger named `payments` whose lines (colours stripped) land in the returned array. */
function prettyLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...stripVTControlCharacters(chunk.toString()).split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ name: 'payments' }, prettyDestination(sink));
  return { logger, lines };
}

describe('pretty logs (LOG_FORMAT=pretty)', () => {
  it('writes one line per record: time, level, service, context, message and fields', () => {
    const { logger, lines } = prettyLogger();

    logger.info({ context: 'events', eventId: 'e1', outcome: 'applied' }, 'event handled');

    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(payments\): \[events\] event handled \{"eventId":"e1","outcome":"applied"\}$/,
    );
  });

  it('sums a request up as method, URL, status and time, without its headers', () => {
    const { logger, lines } = prettyLogger();

    logger.warn(
      {
        req: { method: 'POST', url: '/webhooks/stripe', headers: { host: 'localhost' } },
        res: { statusCode: 400 },
        responseTime: 3,
      },
      'request completed',
    );

    expect(lines).toEqual([
      expect.stringMatching(
        /WARN \(payments\): POST \/webhooks\/stripe 400 3ms request completed$/,
      ),
    ]);
    expect(lines[0]).not.toContain('localhost');
  });
});
