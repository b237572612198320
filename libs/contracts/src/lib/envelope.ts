import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';

export const EventSources = ['orders', 'payments', 'notifications'] as const;
export type EventSource = (typeof EventSources)[number];

/** W3C trace context `traceparent`: version-traceid-parentid-flags. */
const traceparent = z
  .string()
  .regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/, 'must be a W3C traceparent');

/** The one envelope of every event on every topic; `data` is checked per type by the catalog. */
export const EnvelopeSchema = z.object({
  id: z.uuid({ version: 'v7' }),
  type: z.string().regex(/^[a-z]+(\.[a-z_]+)+$/, 'must look like "order.paid"'),
  version: z.number().int().positive(),
  source: z.enum(EventSources),
  subject: z.string().min(1).max(200),
  occurredAt: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
  traceparent: traceparent.optional(),
});

export type Envelope<TType extends string = string, TData = Record<string, unknown>> = Omit<
  z.infer<typeof EnvelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };

export function newEventId(): string {
  return uuidv7();
}
