import { VALIDATION_ERROR_CODES } from '../http/zod.pipe';

/** One way a route can fail: its status, its `error.code`, and when it happens. */
export interface ApiErrorCase {
  readonly status: number;
  readonly code: string;
  readonly when: string;
}

/** Failures any route can answer, whatever it does: a bug of ours, or this instance stopping. */
export const ANY_ROUTE_ERRORS: readonly ApiErrorCase[] = [
  { status: 500, code: 'internal_error', when: 'something failed on our side; retry later' },
  {
    status: 503,
    code: 'shutting_down',
    when: 'this instance is stopping; retry and another instance takes the request',
  },
];

/** What a route that reads or writes Postgres can answer besides its own failures. */
export const SERVER_ERRORS: readonly ApiErrorCase[] = [
  ...ANY_ROUTE_ERRORS,
  {
    status: 503,
    code: 'database_unavailable',
    when: 'Postgres is out of reach and nothing was done; retry shortly (Retry-After)',
  },
];

/** Failures of a route with path parameters, answered by Fastify before the route runs. */
export const PATH_PARAM_ERRORS: readonly ApiErrorCase[] = [
  { status: 400, code: 'invalid_url', when: 'the path has a malformed percent-encoding' },
  { status: 414, code: 'path_parameter_too_long', when: 'a path parameter is over 100 characters' },
];

/** Failures of a route that reads a JSON body with ZodPipe. */
export const BODY_ERRORS: readonly ApiErrorCase[] = [
  {
    status: 400,
    code: VALIDATION_ERROR_CODES.body,
    when: 'the body does not match the schema; details name each field',
  },
  { status: 400, code: 'invalid_json', when: 'the body is not JSON' },
  { status: 413, code: 'payload_too_large', when: 'the body is larger than 1 MB' },
  { status: 415, code: 'unsupported_media_type', when: 'the body is not application/json' },
];

/** Failures of a route that reads its query string with ZodPipe. */
export const QUERY_ERRORS: readonly ApiErrorCase[] = [
  {
    status: 400,
    code: VALIDATION_ERROR_CODES.query,
    when: 'a parameter is wrong or unknown; details name each one',
  },
];

/** Failures of a list that pages with `cursor`. */
export const PAGE_ERRORS: readonly ApiErrorCase[] = [
  ...QUERY_ERRORS,
  { status: 400, code: 'invalid_cursor', when: 'the cursor is not a nextCursor this API returned' },
];

/** Failures of an operator route behind AdminTokenGuard. */
export const ADMIN_ERRORS: readonly ApiErrorCase[] = [
  { status: 401, code: 'invalid_admin_token', when: 'the bearer token is not ADMIN_TOKEN' },
  { status: 403, code: 'admin_api_disabled', when: 'the service runs without ADMIN_TOKEN' },
];
