import { type FastifyRequest } from 'fastify';

/**
 * Whether a browser sent this request from one of this site's own pages. Browsers say so in
 * Sec-Fetch-Site, older ones in Origin (on every POST); a client that sends neither is not a
 * browser, and has no visitor to be tricked.
 */
export function fromThisSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin';
  const origin = request.headers.origin;
  if (typeof origin === 'string') return origin === `${request.protocol}://${request.host}`;
  return true;
}
