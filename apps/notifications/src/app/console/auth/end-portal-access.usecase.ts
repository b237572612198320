import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ConsoleSessionRepository } from './console-session.repository';
import { PortalLinkRepository } from './portal-link.repository';

/**
 * A partner's way into its portal closed, at once (a link sent to the wrong person, someone who
 * left): every live session ends and every link not used yet stops working. New links can be
 * issued afterwards.
 */
@Injectable()
export class EndPortalAccessUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sessions: ConsoleSessionRepository,
    private readonly links: PortalLinkRepository,
  ) {}

  execute(partnerId: string): Promise<{ sessions: number; links: number }> {
    return this.dataSource.transaction(async (db) => ({
      sessions: await this.sessions.removeOfPartner(partnerId, db),
      links: await this.links.expireUnused(partnerId, db),
    }));
  }
}
