import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type Level, type Logger } from 'pino';

/**
 * The level a request is logged at: info carries one line per event (received, processed,
 * handled), and a line per request would double it, so requests log at debug unless they failed.
 */
function requestLogLevel(statusCode: number): Level {
  if (statusCode >= 500) return 'error';
  return statusCode >= 400 ? 'warn' : 'debug';
}

/**
 * Logs every answered request but health checks, when its level is on:
 * `request completed` with `req`, `res` and `responseTime` (ms); the logger's serializers take
 * the secret headers out. A request whose level is off costs a comparison.
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const level = requestLogLevel(reply.statusCode);
    if (logger.isLevelEnabled(level) && !isHealthCheck(request)) {
      logger[level](requestLine(request, reply), 'request completed');
    }
    done();
  });
  // A client that hangs up before the answer gets no onResponse; its request is no failure of
  // ours, so it is logged with the requests that succeeded.
  fastify.addHook('onRequestAbort', (request, done) => {
    if (logger.isLevelEnabled('debug') && !isHealthCheck(request)) {
      logger.debug({ req: requestOf(request) }, 'request aborted by the client');
    }
    done();
  });
}

/** Probes poll health every few seconds: their lines would bury the requests worth reading. */
const isHealthCheck = (request: FastifyRequest): boolean => request.url.startsWith('/health');

function requestOf(request: FastifyRequest): Record<string, unknown> {
  return {
    id: request.id,
    method: request.method,
    url: request.url,
    headers: request.headers,
    remoteAddress: request.ip,
  };
}

function requestLine(request: FastifyRequest, reply: FastifyReply): Record<string, unknown> {
  return {
    req: requestOf(request),
    res: { statusCode: reply.statusCode, headers: reply.getHeaders() },
    responseTime: Math.round(reply.elapsedTime),
  };
}
