import { Get, Inject, Query, Res } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { ConsolePages } from '../auth/console-area.decorator';
import { type FastifyReply } from 'fastify';
import { type NotificationsConfig } from '../../notifications-env';
import { setSessionCookie } from '../auth/console-cookies';
import { EnterPortalUseCase } from '../auth/enter-portal.usecase';
import { ConsoleViews } from '../console-views';

/**
 * A partner's way in: the link's token is exchanged for a session cookie, then a redirect takes
 * the token out of the address bar (and out of the history and any Referer).
 */
@ConsolePages('portal')
export class PortalEntryController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly views: ConsoleViews,
    private readonly enterPortal: EnterPortalUseCase,
  ) {}

  @Get('enter')
  async enter(
    @Query('token') token: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const session =
      typeof token === 'string' && token.length <= 100
        ? await this.enterPortal.execute(token)
        : undefined;
    if (!session)
      throw new ApiError(
        410,
        'portal_link_invalid',
        'This portal link was used already, has expired or is not one of ours; ask your contact for a new link',
      );
    setSessionCookie(
      reply,
      session,
      this.config.CONSOLE_SECURE_COOKIES,
      this.config.CONSOLE_SESSION_MAX_HOURS * 3600,
    );
    void reply.status(303).header('location', '/portal').headers(this.views.headers());
    return '';
  }

  @Get('signed-out')
  signedOut(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.views.render(reply, './portal/signed-out', { title: 'Signed out', session: null });
  }
}
