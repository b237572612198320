import { Get, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { CurrentSession, ConsolePages } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { ConsoleOverviewRepository } from './console-overview.repository';
import { ServiceMetricsReader } from './service-metrics.reader';

/** The operators' first page: how delivery is going across every partner. */
@ConsolePages('console', 'operator')
export class OverviewPageController {
  constructor(
    private readonly views: ConsoleViews,
    private readonly overview: ConsoleOverviewRepository,
    private readonly metrics: ServiceMetricsReader,
  ) {}

  @Get()
  async page(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const [figures, fleet] = await Promise.all([this.overview.figures(), this.metrics.read()]);
    const settled = figures.succeeded24h + figures.failed24h;
    return this.views.render(reply, './operator/overview', {
      title: 'Overview',
      nav: 'overview',
      session,
      figures,
      successRate: settled === 0 ? null : (100 * figures.succeeded24h) / settled,
      fleet,
    });
  }
}
