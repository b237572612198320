import {
  Body,
  Get,
  HttpCode,
  Inject,
  Post,
  Query,
  Redirect,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type NotificationsConfig } from '../notifications-env';
import { CurrentSession, ConsoleAreaOf, ConsolePages } from './auth/console-area.decorator';
import {
  clearSessionCookie,
  clearSignInCsrfCookie,
  sessionTokenOf,
  setSessionCookie,
  setSignInCsrfCookie,
  signInCsrfOf,
} from './auth/console-cookies';
import { type ConsoleSession } from './auth/console-session';
import { ConsoleSessionGuard } from './auth/console-session.guard';
import { ConsoleSessionRepository } from './auth/console-session.repository';
import { hashConsoleToken, newConsoleToken, sameToken } from './auth/console-token';
import { SignInUseCase } from './auth/sign-in.usecase';
import { formFields } from './console-form';
import { ConsoleViews } from './console-views';

/** Only our own pages: a `next` pointing elsewhere would make the sign-in an open redirect. */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(\/[\w\-/?=&%.]*)?$/.test(next) ? next : '/console';
}

/**
 * Operators sign in with email and password and get a session cookie; everyone signs out here.
 * The sign-in form carries a token matched against a cookie (double submit), so no other site
 * can sign a browser into an account of its choosing.
 */
@ConsolePages('console')
export class SignInController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly views: ConsoleViews,
    private readonly signIn: SignInUseCase,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  @Get('sign-in')
  form(@Query('next') next: unknown, @Res({ passthrough: true }) reply: FastifyReply): string {
    return this.renderForm(reply, { next: safeNext(next), email: '', problem: null });
  }

  @Post('sign-in')
  async submit(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | undefined> {
    const form = formFields(body);
    const next = safeNext(form['next']);
    const expected = signInCsrfOf(request);
    if (expected === undefined || !sameToken(form['_csrf'], expected))
      throw new ApiError(
        403,
        'csrf_token_invalid',
        'This sign-in form is stale or was not sent from the console; open the sign-in page again',
      );
    const email = form['email'] ?? '';
    const outcome = await this.signIn.execute(email, form['password'] ?? '', request.ip);
    if (outcome.kind === 'refused')
      return this.renderForm(
        reply,
        { next, email, problem: 'The email or the password is not right.' },
        401,
      );
    if (outcome.kind === 'throttled') {
      const seconds = Math.max(1, Math.ceil((outcome.until.getTime() - Date.now()) / 1000));
      void reply.header('retry-after', String(seconds));
      return this.renderForm(
        reply,
        {
          next,
          email,
          problem: `Too many failed sign-ins: try again after ${outcome.until.toISOString().slice(11, 16)} UTC.`,
        },
        429,
      );
    }
    setSessionCookie(
      reply,
      outcome.token,
      this.config.CONSOLE_SECURE_COOKIES,
      this.config.CONSOLE_SESSION_MAX_HOURS * 3600,
    );
    // A session this browser had before ends: one browser, one session.
    const previous = sessionTokenOf(request);
    if (previous) await this.sessions.remove(hashConsoleToken(previous));
    clearSignInCsrfCookie(reply, this.config.CONSOLE_SECURE_COOKIES);
    return this.views.seeOther(request, reply, next);
  }

  @Post('sign-out')
  @HttpCode(303)
  @Redirect()
  @ConsoleAreaOf('any')
  @UseGuards(ConsoleSessionGuard)
  async signOut(
    @CurrentSession() session: ConsoleSession,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ url: string; statusCode: number }> {
    const token = sessionTokenOf(request);
    if (token) await this.sessions.remove(hashConsoleToken(token));
    clearSessionCookie(reply, this.config.CONSOLE_SECURE_COOKIES);
    return {
      url: session.kind === 'operator' ? '/console/sign-in' : '/portal/signed-out',
      statusCode: 303,
    };
  }

  private renderForm(
    reply: FastifyReply,
    data: { next: string; email: string; problem: string | null },
    status = 200,
  ): string {
    const csrfToken = newConsoleToken('syc_');
    setSignInCsrfCookie(reply, csrfToken, this.config.CONSOLE_SECURE_COOKIES);
    return this.views.render(
      reply,
      './sign-in',
      { title: 'Sign in', session: null, csrfToken, ...data },
      status,
    );
  }
}
