import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { DataSource } from 'typeorm';
import { type NotificationsConfig } from '../../notifications-env';
import { sessionLifetime } from './console-lifetimes';
import { ConsoleSessionRepository } from './console-session.repository';
import { hashConsoleToken, newConsoleToken } from './console-token';
import { PortalLinkRepository } from './portal-link.repository';

/**
 * A portal link exchanged for a partner session: the link is spent and the session made in one
 * transaction, so a link opens at most one session, and a failure spends nothing.
 */
@Injectable()
export class EnterPortalUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly dataSource: DataSource,
    private readonly links: PortalLinkRepository,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  /** Whose portal the link opens, without spending it: the page before entering says it. */
  async peek(linkToken: string) {
    return this.links.peek(hashConsoleToken(linkToken));
  }

  /** The session's cookie value, or nothing for a link that is unknown, used or expired. */
  async execute(linkToken: string): Promise<string | undefined> {
    return this.dataSource.transaction(async (db) => {
      const link = await this.links.use(hashConsoleToken(linkToken), db);
      if (!link) return undefined;
      const token = newConsoleToken('sys_');
      await this.sessions.add(
        {
          tokenHash: hashConsoleToken(token),
          csrfToken: newConsoleToken('syc_'),
          partnerId: link.partnerId,
          capability: link.capability,
        },
        sessionLifetime(this.config),
        db,
      );
      return token;
    });
  }
}
