import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';

/** What the API shows of an endpoint: everything but its owner and its secrets. */
export const EndpointResponse = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(z.string()).describe('Event types, families ("order.*") or "*"'),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('Why it was disabled, while it is'),
  headers: z.record(z.string(), z.string()).describe('Sent with every delivery'),
  rateLimitPerSecond: z.number().int().nullable(),
  fifo: z.boolean().describe("Deliveries wait for the previous one's outcome"),
  retrySchedule: z.string().nullable().describe('Such as "0,1m,10m,1h"; null: the default'),
  filter: z.record(z.string(), z.unknown()).nullable(),
  payloadMode: z.enum(['full', 'thin']),
  createdAt: z.iso.datetime(),
});
export type EndpointResponse = z.infer<typeof EndpointResponse>;

/** A new endpoint, with the secret that signs its webhooks. */
export const CreatedEndpointResponse = EndpointResponse.extend({
  secret: z.string().describe('whsec_…: verify deliveries with any Standard Webhooks library'),
});
export type CreatedEndpointResponse = z.infer<typeof CreatedEndpointResponse>;

/** A page of endpoints, oldest first. */
export const EndpointPageResponse = pageResponseOf(EndpointResponse);
export type EndpointPageResponse = z.infer<typeof EndpointPageResponse>;

/** The signing secret, and the previous one while a rotation's grace period lasts. */
export const EndpointSecretResponse = z.object({
  secret: z.string(),
  previousSecret: z.string().nullable(),
  previousSecretExpiresAt: z.iso.datetime().nullable(),
});
export type EndpointSecretResponse = z.infer<typeof EndpointSecretResponse>;

/** The new secret, and until when the previous one still signs. */
export const RotatedSecretResponse = z.object({
  secret: z.string(),
  previousSecretExpiresAt: z.iso.datetime(),
});
export type RotatedSecretResponse = z.infer<typeof RotatedSecretResponse>;
