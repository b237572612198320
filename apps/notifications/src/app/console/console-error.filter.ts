import { type ArgumentsHost, Catch } from '@nestjs/common';
import { ApiExceptionFilter } from '@switchyard/service';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type ConsoleRequest } from './auth/console-session.guard';
import { SignInRequiredError } from './auth/sign-in-required.error';
import { ConsoleViews } from './console-views';

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * Console pages fail as pages: the same status, code and message as the API's error shape
 * (ApiExceptionFilter decides them), rendered as HTML. A page asked for without a session sends
 * an operator to sign in and tells a partner to ask for a new link; htmx is told to navigate
 * rather than swap a sign-in form into a fragment.
 */
@Catch()
export class ConsoleErrorFilter extends ApiExceptionFilter {
  constructor(private readonly views: ConsoleViews) {
    super();
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<ConsoleRequest>();
    if (exception instanceof SignInRequiredError && crossSiteNavigation(request)) {
      return this.reopen(request, reply);
    }
    if (exception instanceof SignInRequiredError && exception.area === 'operator') {
      return this.toSignIn(request, reply);
    }
    const { status, body } =
      exception instanceof SignInRequiredError
        ? {
            status: 401,
            body: { error: { code: 'portal_session_ended', message: exception.message } },
          }
        : this.toResponse(exception, request);
    const error = (body as ErrorBody).error ?? {};
    // An htmx request swaps a fragment; its failure is a whole page, shown in the page's place.
    if (request.headers['hx-request'] === 'true')
      void reply.headers({
        'hx-retarget': '#main',
        'hx-reselect': '#main',
        'hx-reswap': 'outerHTML',
      });
    void reply
      .status(status)
      .headers(this.views.headers())
      .send(
        this.views.html('./error', {
          title: status === 404 ? 'Not found' : 'Something is wrong',
          session: request.consoleSession,
          status,
          code: error.code ?? `http_${status}`,
          message: error.message ?? 'Something went wrong',
        }),
      );
  }

  /**
   * The session cookie is SameSite=Strict, so a page opened from another site (a link in a mail
   * or a chat) arrives without it. This page reloads itself: the reload is this site's own
   * navigation, the cookie goes with it, and a signed-in user lands where the link pointed.
   */
  private reopen(request: FastifyRequest, reply: FastifyReply): void {
    void reply
      .status(200)
      .headers(this.views.headers())
      .send(this.views.html('./bounce', { url: request.url }));
  }

  private toSignIn(request: FastifyRequest, reply: FastifyReply): void {
    const next = request.method === 'GET' ? request.url : '/console';
    const location = `/console/sign-in?next=${encodeURIComponent(next)}`;
    if (request.headers['hx-request'] === 'true') {
      void reply.status(401).header('hx-redirect', location).send('');
      return;
    }
    void reply.status(303).header('location', location).send('');
  }
}

/** A top-level GET that another site started (its link followed), not an htmx request. */
function crossSiteNavigation(request: FastifyRequest): boolean {
  return (
    request.method === 'GET' &&
    request.headers['sec-fetch-site'] === 'cross-site' &&
    request.headers['sec-fetch-mode'] === 'navigate' &&
    request.headers['hx-request'] !== 'true'
  );
}
