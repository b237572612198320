import { activeTraceId } from '@switchyard/messaging';
import { type Params } from 'nestjs-pino';
import { type Options } from 'pino-http';
import { type CommonEnv } from '../config/common-env';
import { serializeErrorSafely } from './error-serializer';
import { prettyDestination } from './pretty-destination';
import { redactRequest, redactResponse } from './redaction';

/**
 * The service's pino-http logger: JSON lines on stdout, or pino-pretty when LOG_FORMAT=pretty;
 * named after the service either way. Secret headers are redacted and errors keep only fields
 * that cannot carry a secret (see redaction.ts and error-serializer.ts).
 */
export function loggerParams(
  name: string,
  config: Pick<CommonEnv, 'LOG_LEVEL' | 'LOG_FORMAT'>,
): Params {
  const options = httpLoggerOptions(name, config);
  return { pinoHttp: config.LOG_FORMAT === 'pretty' ? [options, prettyDestination()] : options };
}

/** pino-http's options, whatever the format: level, request lines, redaction, serializers. */
export function httpLoggerOptions(name: string, config: Pick<CommonEnv, 'LOG_LEVEL'>): Options {
  return {
    name,
    level: config.LOG_LEVEL,
    autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
    // Info carries one line per event (received, processed, handled); a line per request
    // would double it, so requests log at debug unless they failed.
    customLogLevel: (_req, res, err) =>
      err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'debug',
    // Applied after pino-http's own request and response serializers.
    serializers: { err: serializeErrorSafely, req: redactRequest, res: redactResponse },
    // A line written inside a traced operation names its trace: logs and spans join up.
    mixin: traceOfLine,
  };
}

function traceOfLine(): { trace_id?: string } {
  const traceId = activeTraceId();
  return traceId ? { trace_id: traceId } : {};
}
