import { Inject, Injectable } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { type NotificationsConfig } from '../../notifications-env';
import { type PortalCapability } from './console-session';
import { hashConsoleToken, newConsoleToken } from './console-token';
import { PortalLinkRepository } from './portal-link.repository';

export interface PortalLink {
  readonly partnerName: string;
  readonly url: string;
  readonly capability: PortalCapability;
  readonly expiresAt: string;
}

/**
 * A single-use, short-lived link into a partner's portal, for an operator to hand over. The
 * link is shown once; we keep its hash.
 */
@Injectable()
export class IssuePortalLinkUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly links: PortalLinkRepository,
  ) {}

  /** `baseUrl` is where partners reach the portal when NOTIFICATIONS_PUBLIC_URL is not set. */
  async execute(
    partnerId: string,
    capability: PortalCapability,
    issuedBy: string,
    baseUrl: string,
  ): Promise<PortalLink> {
    const token = newConsoleToken('syp_');
    const added = await this.links.add({
      tokenHash: hashConsoleToken(token),
      partnerId,
      capability,
      issuedBy,
      ttlSeconds: this.config.CONSOLE_PORTAL_LINK_MINUTES * 60,
    });
    if (!added)
      throw new ApiError(404, 'partner_not_found', `There is no partner with the id ${partnerId}`);
    const url = new URL('/portal/enter', this.config.NOTIFICATIONS_PUBLIC_URL ?? baseUrl);
    url.searchParams.set('token', token);
    return {
      partnerName: added.partnerName,
      url: url.href,
      capability,
      expiresAt: added.expiresAt.toISOString(),
    };
  }
}
