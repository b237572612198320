import { activeTraceId } from '@switchyard/messaging';
import { type Params } from 'nestjs-pino';
import pino, {
  type DestinationStream,
  type Logger,
  type LoggerOptions,
  stdSerializers,
} from 'pino';
import { type CommonEnv } from '../config/common-env';
import { serializeErrorSafely } from './error-serializer';
import { prettyDestination } from './pretty-destination';
import { redactRequest, redactResponse } from './redaction';

/**
 * The service's logger: JSON lines on stdout, or pino-pretty when LOG_FORMAT=pretty; named after
 * the service either way. Secret headers are redacted and errors keep only fields that cannot
 * carry a secret (see redaction.ts and error-serializer.ts). `destination` replaces stdout (tests).
 */
export function serviceLogger(
  name: string,
  config: Pick<CommonEnv, 'LOG_LEVEL' | 'LOG_FORMAT'>,
  destination?: DestinationStream,
): Logger {
  const options = serviceLoggerOptions(name, config);
  if (destination) return pino(options, destination);
  return config.LOG_FORMAT === 'pretty' ? pino(options, prettyDestination()) : pino(options);
}

/** pino's options, whatever the format: name, level, redaction, serializers, trace ids. */
function serviceLoggerOptions(name: string, config: Pick<CommonEnv, 'LOG_LEVEL'>): LoggerOptions {
  return {
    name,
    level: config.LOG_LEVEL,
    serializers: {
      // pino's own first: it folds an error's causes into its message and stack.
      err: (err: unknown) => serializeErrorSafely(stdSerializers.err(err as Error)),
      req: redactRequest,
      res: redactResponse,
    },
    // A line written inside a traced operation names its trace: logs and spans join up.
    mixin: traceOfLine,
  };
}

/**
 * nestjs-pino over the service's logger, for Nest's own lines and every `PinoLogger`. Its request
 * middleware is mounted on no route: requests are logged by a Fastify hook (`logRequests`), which
 * costs nothing for a request it does not log, where the middleware bound a child logger and an
 * async context to every request (through middie), logged or not. `useExisting` keeps it from
 * building pino-http at all, whose logger (`PinoLogger.root`) would carry pino's own serializers
 * in place of ours, the ones that keep secrets out.
 */
export function loggerParams(logger: Logger): Params {
  return { pinoHttp: { logger }, useExisting: true, forRoutes: [] };
}

function traceOfLine(): { trace_id?: string } {
  const traceId = activeTraceId();
  return traceId ? { trace_id: traceId } : {};
}
