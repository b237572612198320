import { Body, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { ConsolePages } from '../auth/console-area.decorator';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formFields } from '../console-form';
import { fromThisSite } from '../auth/same-origin';
import { type NotificationsConfig } from '../../notifications-env';
import { setSessionCookie } from '../auth/console-cookies';
import { EnterPortalUseCase } from '../auth/enter-portal.usecase';
import { ConsoleViews } from '../console-views';

/** A portal token as links carry it: the prefix and 43 base64url characters, no more. */
const LinkToken = z.string().regex(/^syp_[\w-]{43}$/);

const linkInvalid = () =>
  new ApiError(
    410,
    'portal_link_invalid',
    'This portal link was used already, has expired or is not one of ours; ask your contact for a new link',
  );

/**
 * A partner's way in, in two steps. Opening the link shows whose portal it opens and spends
 * nothing, so a mail scanner or a chat preview fetching it does not use it up; the button posts
 * the token, which is exchanged for a session cookie, then a redirect takes the token out of the
 * address bar. The post must come from this page (same origin): another site cannot sign a
 * visitor into a portal of its choosing.
 */
@ConsolePages('portal')
export class PortalEntryController {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly views: ConsoleViews,
    private readonly enterPortal: EnterPortalUseCase,
  ) {}

  @Get('enter')
  async page(
    @Query('token') token: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const parsed = LinkToken.safeParse(token);
    const link = parsed.success ? await this.enterPortal.peek(parsed.data) : undefined;
    if (!parsed.success || !link) throw linkInvalid();
    return this.views.render(reply, './portal/enter', {
      title: `Portal of ${link.partnerName}`,
      session: null,
      link,
      token: parsed.data,
    });
  }

  @Post('enter')
  async enter(
    @Body() body: unknown,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!fromThisSite(request))
      throw new ApiError(
        403,
        'cross_site_entry',
        "A portal is entered from its link's page; open the link you were given",
      );
    const parsed = LinkToken.safeParse(formFields(body)['token']);
    const session = parsed.success ? await this.enterPortal.execute(parsed.data) : undefined;
    if (!session) throw linkInvalid();
    setSessionCookie(
      reply,
      session,
      this.config.CONSOLE_SECURE_COOKIES,
      this.config.CONSOLE_SESSION_MAX_HOURS * 3600,
    );
    return this.views.seeOther(request, reply, '/portal');
  }

  @Get('signed-out')
  signedOut(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.views.render(reply, './portal/signed-out', { title: 'Signed out', session: null });
  }
}
