import { Get, Param, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { endpointView } from '../../endpoints/endpoint';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { PortalEndpointPage } from './portal-endpoint-page';
import { partnerOf, portalId } from './portal-scope';

/** The partner's endpoints, read through the partner-scoped repository with the session's partner. */
@ConsolePages('portal', 'partner')
export class PortalEndpointsPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly endpoints: EndpointRepository,
    private readonly endpointPage: PortalEndpointPage,
  ) {}

  @Get()
  async list(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const endpoints = await this.endpoints.list(partnerOf(session), 200, null);
    return this.views.render(reply, './portal/endpoints', {
      title: 'Endpoints',
      nav: 'endpoints',
      session,
      endpoints: endpoints.map(endpointView),
    });
  }

  @Get('endpoints/:id')
  one(
    @CurrentSession() session: ConsoleSession,
    @Param('id', portalId()) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.endpointPage.render(reply, session, id);
  }
}
