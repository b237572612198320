import { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

/** Fastify's default parameter length limit (`maxParamLength`), which we keep. */
const MAX_PARAM_LENGTH = 100;

function toApiError(error: FastifyError): ApiError {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return new ApiError(
        400,
        'invalid_url',
        'The URL path has a malformed percent-encoding: write "%" as %25, and each encoded byte as % and two hex digits',
      );
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError(
        414,
        'path_parameter_too_long',
        `A path parameter is longer than the ${MAX_PARAM_LENGTH} characters this API accepts: send the id as returned`,
      );
    default:
      // FST_ERR_ASYNC_CONSTRAINT (a 500) cannot happen here: no route has an async constraint.
      return error.statusCode && error.statusCode >= 500
        ? new ApiError(500, 'internal_error', 'Something went wrong on our side; retry later')
        : new ApiError(error.statusCode ?? 400, 'bad_request', error.message);
  }
}

/**
 * Requests Fastify refuses before any route sees them (a malformed percent-encoding, a path
 * parameter over the length limit) get our `{ error: { code, message } }` too, instead of
 * Fastify's own shape. Pass as the `frameworkErrors` option of the Fastify adapter.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const apiError = toApiError(error);
  void reply
    .code(apiError.getStatus())
    .header('content-type', 'application/json')
    .send(apiError.getResponse());
}
