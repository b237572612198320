import { Injectable } from '@nestjs/common';
import { Eta } from 'eta';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { join } from 'node:path';

/**
 * What every console page answers with besides its HTML: scripts and styles from this service
 * only (htmx and the stylesheet are served from the package, no CDN), no framing, no referrer
 * (a portal link's token must not leak to another site), nothing cached.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/** The console's templates (Eta, escaped by default), compiled once and kept. */
@Injectable()
export class ConsoleViews {
  private readonly eta = new Eta({
    views: join(__dirname, 'views'),
    cache: true,
    autoEscape: true,
  });

  /** Renders `template` with `data` and sets the page's headers and status on `reply`. */
  render(reply: FastifyReply, template: string, data: object, status = 200): string {
    void reply.status(status).headers(PAGE_HEADERS);
    return this.eta.render(template, data);
  }

  /**
   * After a change, the page to show next (post, redirect, get): a 303 for a form, and for htmx
   * an HX-Redirect, as htmx would otherwise swap the next page in without changing the address.
   */
  seeOther(request: FastifyRequest, reply: FastifyReply, location: string): string {
    void reply.headers(PAGE_HEADERS);
    if (request.headers['hx-request'] === 'true')
      void reply.status(200).header('hx-redirect', location);
    else void reply.status(303).header('location', location);
    return '';
  }

  /** The HTML alone, for an error page written by a filter. */
  html(template: string, data: object): string {
    return this.eta.render(template, data);
  }

  headers(): typeof PAGE_HEADERS {
    return PAGE_HEADERS;
  }
}
