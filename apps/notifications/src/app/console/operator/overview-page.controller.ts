import { Get, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { ConsoleOverviewRepository } from './console-overview.repository';

/** The operators' first page: how delivery is going across every partner. */
@ConsolePages('console', 'operator')
export class OverviewPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly overview: ConsoleOverviewRepository,
  ) {}

  @Get()
  async page(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const figures = await this.overview.figures();
    const settled = figures.succeeded24h + figures.failed24h;
    return this.views.render(reply, './operator/overview', {
      title: 'Overview',
      nav: 'overview',
      session,
      figures,
      successRate: settled === 0 ? null : (100 * figures.succeeded24h) / settled,
    });
  }
}
