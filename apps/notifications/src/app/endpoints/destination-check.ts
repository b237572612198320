import { Inject, Injectable } from '@nestjs/common';
import { ApiError, SERVICE_CONFIG } from '@switchyard/service';
import { AllowedNetworks } from '../delivery/url-safety/address-policy';
import { checkUrl, type DestinationPolicy } from '../delivery/url-safety/destination-policy';
import { UnsafeDestinationError } from '../delivery/url-safety/unsafe-destination.error';
import { type NotificationsConfig } from '../notifications-env';

/**
 * Refuses at registration what delivery would refuse (422 `unsafe_url`); host names are checked
 * again at every connection, where only connecting tells where they lead.
 */
@Injectable()
export class DestinationCheck {
  private readonly policy: DestinationPolicy;

  constructor(@Inject(SERVICE_CONFIG) config: NotificationsConfig) {
    this.policy = {
      allowedNetworks: new AllowedNetworks(config.DELIVERY_ALLOWED_NETWORKS),
      requireHttps: config.DELIVERY_REQUIRE_HTTPS,
    };
  }

  assertSafe(url: string): void {
    try {
      checkUrl(url, this.policy);
    } catch (err) {
      if (err instanceof UnsafeDestinationError) throw new ApiError(422, 'unsafe_url', err.message);
      throw err;
    }
  }
}
