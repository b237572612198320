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
    if (exception instanceof SignInRequiredError && exception.area === 'operator') {
      return this.toSignIn(request, reply);
    }
    const { status, body } =
      exception instanceof SignInRequiredError
        ? {
            status: 401,
            body: { error: { code: 'portal_session_ended', message: exception.message } },
          }
        : this.toResponse(exception);
    const error = (body as ErrorBody).error ?? {};
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
