import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  Logger,
} from '@nestjs/common';
import { DependencyUnavailableError, isDependencyFailure } from '@switchyard/retry';
import { type FastifyReply, type FastifyRequest } from 'fastify';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

const MESSAGES: Record<number, string> = {
  413: 'The request body is larger than the 1 MB this endpoint accepts',
  415: 'This endpoint accepts application/json',
};

interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

function isErrorBody(body: unknown): body is ErrorBody {
  return (
    typeof body === 'object' &&
    body !== null &&
    'error' in body &&
    typeof (body as ErrorBody).error?.code === 'string'
  );
}

/**
 * Every error leaves in one shape, `{ error: { code, message, details? } }`: ours as thrown,
 * Nest's and Fastify's (unknown route, body too large, bad media type) translated, and anything
 * unexpected as a 500 that reveals nothing but is logged in full.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const { status, body } = this.toResponse(exception, http.getRequest<FastifyRequest>());
    // An outage: clients (and Stripe) retry on a 503, and may as well wait a moment first.
    if (status === 503) void reply.header('retry-after', '2');
    void reply.status(status).header('content-type', 'application/json').send(body);
  }

  /** The status and body an exception answers with; subclasses render it otherwise (HTML). */
  protected toResponse(
    exception: unknown,
    request: FastifyRequest,
  ): { status: number; body: unknown } {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      // Ours, or a deliberate body such as the health report of a 503: sent as thrown.
      if (isErrorBody(response) || (typeof response === 'object' && !('statusCode' in response))) {
        return { status: exception.getStatus(), body: response };
      }
      return this.translated(exception.getStatus(), exception.message);
    }
    const status = (exception as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return this.translated(status, (exception as Error).message);
    }
    if (isDependencyFailure(exception)) return this.unavailable(exception);
    // The request's id joins this line to the request's own (`request completed`, at error).
    this.logger.error(
      {
        err: exception instanceof Error ? exception : new Error(String(exception)),
        req: { id: request.id, method: request.method, url: request.url },
      },
      'request failed on an unexpected error',
    );
    return {
      status: 500,
      body: {
        error: { code: 'internal_error', message: 'Something went wrong on our side; retry later' },
      },
    };
  }

  /**
   * A dependency down is not our bug nor the client's: 503 with a code naming it, so the client
   * retries. Requests run in one transaction, so nothing was half-written.
   */
  private unavailable(exception: unknown): { status: number; body: ErrorBody } {
    const dependency =
      exception instanceof DependencyUnavailableError ? exception.dependency : 'database';
    this.logger.warn(`${dependency} unavailable: ${String(exception)}`);
    return {
      status: 503,
      body: {
        error: {
          code: `${dependency}_unavailable`,
          message: `A service this request needs (${dependency}) is unavailable, so nothing was done; retry the request shortly (with the same Idempotency-Key, if it had one)`,
        },
      },
    };
  }

  private translated(status: number, message: string): { status: number; body: ErrorBody } {
    const code = CODES[status] ?? `http_${status}`;
    return { status, body: { error: { code, message: MESSAGES[status] ?? message } } };
  }
}
