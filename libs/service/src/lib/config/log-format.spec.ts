import { z } from 'zod';
import { commonEnv } from './common-env';
import { logFormat } from './log-format';
import { loadConfig } from './load-config';

const onTerminal = z.object({ LOG_FORMAT: logFormat(() => true) });
const piped = z.object({ LOG_FORMAT: logFormat(() => false) });

describe('LOG_FORMAT', () => {
  it('prints pretty lines when stdout is a terminal and LOG_FORMAT is unset', () => {
    expect(loadConfig(onTerminal, {}).LOG_FORMAT).toBe('pretty');
  });

  it('prints JSON lines when stdout is not a terminal (Docker, CI, a pipe) and LOG_FORMAT is unset', () => {
    expect(loadConfig(piped, {}).LOG_FORMAT).toBe('json');
  });

  it('prints what LOG_FORMAT asks for, wherever stdout goes', () => {
    expect(loadConfig(onTerminal, { LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(loadConfig(piped, { LOG_FORMAT: 'pretty' }).LOG_FORMAT).toBe('pretty');
  });

  it.each(['JSON', 'text', 'pino-pretty', ''])(
    'stops at LOG_FORMAT=%j, naming the two formats it accepts',
    (value) => {
      expect(() => loadConfig(piped, { LOG_FORMAT: value })).toThrow(
        `LOG_FORMAT: must be "pretty" (for a terminal) or "json" (got "${value}")`,
      );
    },
  );

  it('is part of every service configuration', () => {
    const schema = commonEnv({ port: 3001, schema: 'orders', clientId: 'orders' });

    expect(loadConfig(schema, { LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
    expect(() => loadConfig(schema, { LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT: /);
  });
});
