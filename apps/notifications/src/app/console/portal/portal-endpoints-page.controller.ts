import { Get, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import { ApiError } from '@switchyard/service';
import { type FastifyReply } from 'fastify';
import { endpointView } from '../../endpoints/endpoint';
import { EndpointRepository } from '../../endpoints/endpoint.repository';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';

/** Pages answer 404 for what is not this partner's, exactly as for what does not exist. */
const NOT_FOUND = () => new ApiError(404, 'not_found', 'There is no such page');

/** The partner's endpoints, read through the partner-scoped repository with the session's partner. */
@ConsolePages('portal', 'partner')
export class PortalEndpointsPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly endpoints: EndpointRepository,
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
  async one(
    @CurrentSession() session: ConsoleSession,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: NOT_FOUND })) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const endpoint = await this.endpoints.find(partnerOf(session), id);
    if (!endpoint) throw NOT_FOUND();
    return this.views.render(reply, './portal/endpoint', {
      title: endpoint.url,
      nav: 'endpoints',
      session,
      endpoint: endpointView(endpoint),
    });
  }
}

/** The guard lets only partner sessions through; this keeps the compiler sure of it too. */
function partnerOf(session: ConsoleSession): string {
  if (session.kind !== 'partner') throw NOT_FOUND();
  return session.partnerId;
}
