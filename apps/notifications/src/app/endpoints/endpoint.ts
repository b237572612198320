import { type SubscriptionFilter } from '../subscriptions/subscription-filter';
import { type EndpointResponse } from './endpoint.response';

export type PayloadMode = 'full' | 'thin';

/** A partner's endpoint as the partner configures it. */
export interface Endpoint {
  readonly id: string;
  readonly partnerId: string;
  readonly url: string;
  readonly description: string;
  readonly eventTypes: string[];
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly headers: Record<string, string>;
  readonly rateLimitPerSecond: number | null;
  readonly fifo: boolean;
  readonly retrySchedule: string | null;
  readonly filter: SubscriptionFilter | null;
  readonly payloadMode: PayloadMode;
  readonly createdAt: Date;
}

/** What the API shows of an endpoint: everything but its owner and its secrets. */
export function endpointView(endpoint: Endpoint): EndpointResponse {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    headers: endpoint.headers,
    rateLimitPerSecond: endpoint.rateLimitPerSecond,
    fifo: endpoint.fifo,
    retrySchedule: endpoint.retrySchedule,
    filter: endpoint.filter,
    payloadMode: endpoint.payloadMode,
    createdAt: endpoint.createdAt.toISOString(),
  };
}
