import { type FastifyInstance } from 'fastify';

/**
 * The body of a request whose bytes are not JSON. Parsing never fails the request by itself:
 * a webhook route must check the signature on the raw bytes first, then refuse the body.
 */
export class InvalidJsonBody {
  constructor(readonly reason: string) {}
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received, for signature checks. */
    rawBody?: Buffer;
  }
}

/** Replaces Fastify's JSON parser with one that keeps the raw bytes and defers JSON errors. */
export function registerJsonBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit },
    (request, body: Buffer, done) => {
      request.rawBody = body;
      if (body.length === 0) return done(null, undefined);
      try {
        done(null, JSON.parse(body.toString('utf8')));
      } catch (err) {
        done(null, new InvalidJsonBody((err as Error).message));
      }
    },
  );
}
