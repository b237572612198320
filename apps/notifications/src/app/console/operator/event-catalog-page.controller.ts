import { Get, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { ConsolePages, CurrentSession } from '../auth/console-area.decorator';
import { type ConsoleSession } from '../auth/console-session';
import { ConsoleViews } from '../console-views';
import { eventCatalogView } from './event-catalog-view';

/** The events partners can subscribe to, from libs/contracts: what each means and carries. */
@ConsolePages('console/catalog', 'operator')
export class EventCatalogPageController {
  private readonly catalog = eventCatalogView();

  constructor(private readonly views: ConsoleViews) {}

  @Get()
  page(
    @CurrentSession() session: ConsoleSession,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): string {
    return this.views.render(reply, './operator/catalog', {
      title: 'Event catalog',
      nav: 'catalog',
      session,
      events: this.catalog,
    });
  }
}
