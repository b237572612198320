import { parseSchedule, retryPolicy } from '@switchyard/retry';
import { ApiError } from '@switchyard/service';
import { z } from 'zod';
import { checkUrl, type DestinationPolicy } from '../delivery/url-safety/destination-policy';
import {
  type SubscriptionFilter,
  InvalidFilterError,
  validateFilter,
} from '../subscriptions/subscription-filter';
import { UnsafeDestinationError } from '../delivery/url-safety/unsafe-destination.error';

// At most 100 characters, as everywhere event types are read; a longer one overflowed the
// event-types index (a 500).
export const eventTypePattern = z
  .string()
  .max(100)
  .regex(
    /^(\*|[a-z]+\.\*|[a-z]+(\.[a-z_]+)+)$/,
    'must be an event type ("order.paid"), a family ("order.*") or "*"',
  );

export const endpointUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(2048);

export const endpointHeaders = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'use 1 to 64 letters, digits and dashes'),
    // What an HTTP header value may hold (RFC 9110 field-value): no CR, LF or other controls,
    // which would split the request or make every delivery fail.
    z
      .string()
      .max(1000)
      .regex(
        /^[\t\x20-\x7e\x80-\xff]*$/,
        'must be printable ASCII or Latin-1, without control characters such as CR or LF',
      ),
  )
  .refine((h) => Object.keys(h).length <= 20, 'must have at most 20 headers');

export const rateLimit = z.number().int().min(1).max(10_000).nullable();

/** A retry schedule such as "0,1m,10m,1h": it must parse and never shrink. */
export const retrySchedule = z
  .string()
  .max(500)
  .nullable()
  .refine(
    (text) => {
      if (text === null) return true;
      try {
        retryPolicy({ scheduleMs: parseSchedule(text) });
        return true;
      } catch {
        return false;
      }
    },
    {
      message: 'must be a comma-separated list of delays that never shrinks, such as "0,1m,10m,1h"',
    },
  );

export const payloadMode = z.enum(['full', 'thin']);

/** Checks a filter a partner sends: 422 `invalid_filter` naming the offending part. */
export function checkedFilter(filter: unknown): SubscriptionFilter | null {
  if (filter === null || filter === undefined) return null;
  try {
    return validateFilter(filter);
  } catch (err) {
    if (err instanceof InvalidFilterError)
      throw new ApiError(422, 'invalid_filter', err.message, [{ path: err.path }]);
    throw err;
  }
}

export interface EndpointRow {
  id: string;
  url: string;
  description: string;
  event_types: string[];
  enabled: boolean;
  headers: Record<string, string>;
  disabled_reason: string | null;
  rate_limit_per_second: number | null;
  fifo: boolean;
  retry_schedule: string | null;
  filter: SubscriptionFilter | null;
  payload_mode: 'full' | 'thin';
  secret: string;
  created_at: Date;
}

export function endpointView(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    headers: row.headers,
    rateLimitPerSecond: row.rate_limit_per_second,
    fifo: row.fifo,
    retrySchedule: row.retry_schedule,
    filter: row.filter,
    payloadMode: row.payload_mode,
    createdAt: row.created_at.toISOString(),
  };
}

/** Refuses at registration what delivery would refuse; host names are checked again at every connection. */
export function assertSafeDestination(url: string, policy: DestinationPolicy): void {
  try {
    checkUrl(url, policy);
  } catch (err) {
    if (err instanceof UnsafeDestinationError) throw new ApiError(422, 'unsafe_url', err.message);
    throw err;
  }
}
