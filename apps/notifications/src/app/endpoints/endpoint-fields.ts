import { parseSchedule, retryPolicy } from '@switchyard/retry';
import { ApiError } from '@switchyard/service';
import { z } from 'zod';
import {
  type SubscriptionFilter,
  InvalidFilterError,
  validateFilter,
} from '../subscriptions/subscription-filter';

// At most 100 characters, as everywhere event types are read; a longer one overflowed the
// event-types index (a 500).
const eventTypePattern = z
  .string()
  .max(100)
  .regex(
    /^(\*|[a-z]+\.\*|[a-z]+(\.[a-z_]+)+)$/,
    'must be an event type ("order.paid"), a family ("order.*") or "*"',
  );

const endpointUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048);

const endpointHeaders = z
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

const rateLimit = z.number().int().min(1).max(10_000).nullable();

/** A retry schedule such as "0,1m,10m,1h": it must parse and never shrink. */
const retrySchedule = z
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

const payloadMode = z.enum(['full', 'thin']);

const eventTypes = z.array(eventTypePattern).min(1).max(100);
const description = z.string().max(500);

/** The body of `POST /v1/endpoints`. */
export const CreateEndpointSchema = z.object({
  url: endpointUrl,
  eventTypes,
  description: description.default(''),
  headers: endpointHeaders.default({}),
  rateLimitPerSecond: rateLimit.default(null),
  fifo: z.boolean().default(false),
  retrySchedule: retrySchedule.default(null),
  filter: z.unknown().optional(),
  payloadMode: payloadMode.default('full'),
});
export type CreateEndpointCommand = z.infer<typeof CreateEndpointSchema>;

/** The body of `PATCH /v1/endpoints/:id`: any of the fields, at least one. */
export const UpdateEndpointSchema = z
  .object({
    url: endpointUrl,
    description,
    eventTypes,
    enabled: z.boolean(),
    headers: endpointHeaders,
    rateLimitPerSecond: rateLimit,
    fifo: z.boolean(),
    retrySchedule,
    filter: z.unknown(),
    payloadMode,
  })
  .partial()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field to change');
export type UpdateEndpointCommand = z.infer<typeof UpdateEndpointSchema>;

/** The body of `POST /v1/endpoints/:id/secret/rotate`: how long the old secret keeps signing. */
export const RotateSecretSchema = z
  .object({
    graceSeconds: z
      .number()
      .int()
      .min(0)
      .max(7 * 86_400)
      .default(86_400),
  })
  .default({ graceSeconds: 86_400 });
export type RotateSecretCommand = z.infer<typeof RotateSecretSchema>;

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
