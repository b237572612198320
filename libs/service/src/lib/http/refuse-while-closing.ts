import { type FastifyInstance } from 'fastify';
import { ApiError } from './api-error';

/**
 * Once the server starts closing (SIGTERM), a request that still reaches this instance gets 503
 * `shutting_down` in our error shape, with `Connection: close` so the client's next try opens a
 * connection elsewhere; requests already in flight finish.
 */
export function refuseWhileClosing(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    const error = new ApiError(
      503,
      'shutting_down',
      'This instance is stopping; retry the request and another instance will take it',
    );
    void reply
      .code(503)
      .header('connection', 'close')
      .header('retry-after', '1')
      .header('content-type', 'application/json')
      .send(error.getResponse());
  });
}
