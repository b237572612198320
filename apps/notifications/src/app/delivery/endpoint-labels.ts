import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type NotificationsConfig } from '../notifications-env';

/** What endpoints not in METRICS_LABELLED_ENDPOINTS are counted under. */
export const OTHER_ENDPOINTS = 'other';

/** The `endpoint` label of a delivery's metrics: its id if an operator asked to watch it. */
@Injectable()
export class EndpointLabels {
  private readonly watched: ReadonlySet<string>;

  constructor(@Inject(SERVICE_CONFIG) config: NotificationsConfig) {
    this.watched = new Set(config.METRICS_LABELLED_ENDPOINTS);
  }

  of(endpointId: string): string {
    return this.watched.has(endpointId) ? endpointId : OTHER_ENDPOINTS;
  }
}
