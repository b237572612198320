import { type FastifyInstance } from 'fastify';
import { counter, histogram } from '../health/metrics';

const requestsTotal = counter(
  'switchyard_http_requests_total',
  'HTTP requests answered, by route template, method and status code',
  ['route', 'method', 'status_code'],
);

const requestDuration = histogram(
  'switchyard_http_request_duration_seconds',
  'Time from a request arriving to its answer being sent, by route template and method',
  ['route', 'method'],
);

/** What a request that matched no route is counted under: its path is the client's, unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Counts and times every answered request under its route template (`/v1/endpoints/:id`), never
 * its path, so the series stay as many as the routes. Scrapes of `/metrics` are left out: they
 * would count themselves.
 */
export function recordHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    if (route !== '/metrics') {
      const method = request.method;
      requestsTotal.inc({ route, method, status_code: String(reply.statusCode) });
      requestDuration.observe({ route, method }, reply.elapsedTime / 1000);
    }
    done();
  });
}
