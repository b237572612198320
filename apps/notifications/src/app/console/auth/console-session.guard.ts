import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { type FastifyRequest } from 'fastify';
import { type NotificationsConfig } from '../../notifications-env';
import { pageNotFound } from '../console-errors';
import { CONSOLE_AREA, type ConsoleArea } from './console-area.decorator';
import { sessionTokenOf } from './console-cookies';
import { type ConsoleSession } from './console-session';
import { ConsoleSessionRepository } from './console-session.repository';
import { hashConsoleToken, sameToken } from './console-token';
import { SignInRequiredError } from './sign-in-required.error';

export interface ConsoleRequest extends FastifyRequest {
  consoleSession?: ConsoleSession;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The CSRF token a form (`_csrf`) or an htmx request (`X-CSRF-Token`) sent back. */
function csrfTokenSent(request: FastifyRequest): string | undefined {
  const header = request.headers['x-csrf-token'];
  if (typeof header === 'string') return header;
  return request.body instanceof URLSearchParams
    ? (request.body.get('_csrf') ?? undefined)
    : undefined;
}

/**
 * Every console route: a live session of the right kind (a partner's session opening an
 * operator's page finds nothing there: 404, as any other page it may not see), and for every
 * change the session's CSRF token, so no other site can post a form in the user's name.
 * A read-only portal session changes nothing.
 */
@Injectable()
export class ConsoleSessionGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionRepository,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const area = this.reflector.getAllAndOverride<ConsoleArea | undefined>(CONSOLE_AREA, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!area) throw new Error('a console route must say its area (@ConsoleAreaOf)');
    const request = context.switchToHttp().getRequest<ConsoleRequest>();
    const token = sessionTokenOf(request);
    const session =
      token === undefined
        ? undefined
        : await this.sessions.use(
            hashConsoleToken(token),
            this.config.CONSOLE_SESSION_IDLE_MINUTES * 60,
          );
    if (!session) throw new SignInRequiredError(area === 'any' ? 'operator' : area);
    if (area !== 'any' && session.kind !== area) throw pageNotFound();
    if (!SAFE_METHODS.has(request.method)) {
      if (!sameToken(csrfTokenSent(request), session.csrfToken))
        throw new ApiError(
          403,
          'csrf_token_invalid',
          'This form was not sent from a console page you have open; reload the page and try again',
        );
      if (area === 'partner' && session.kind === 'partner' && session.capability === 'read')
        throw new ApiError(
          403,
          'read_only_portal',
          'This portal link allows reading only; ask your contact for a link that allows changes',
        );
    }
    request.consoleSession = session;
    return true;
  }
}
