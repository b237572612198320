import { z } from 'zod';
import { EventCatalog, type EventType } from './catalog';
import { EnvelopeSchema } from './envelope';

export type JsonSchema = Record<string, unknown>;

/** The JSON Schema of the envelope, `data` left open (each type narrows it). */
export function envelopeJsonSchema(): JsonSchema {
  return z.toJSONSchema(EnvelopeSchema, { io: 'input' }) as JsonSchema;
}

/** The JSON Schema of one event type's `data`, at the version producers write. */
export function dataJsonSchema(type: EventType): JsonSchema {
  return z.toJSONSchema(EventCatalog[type].schema, { io: 'input' }) as JsonSchema;
}

/** A complete JSON Schema of one event type: the envelope with its type, version and data fixed. */
export function eventJsonSchema(type: EventType): JsonSchema {
  const entry = EventCatalog[type];
  const schema = EnvelopeSchema.extend({
    type: z.literal(type),
    version: z.literal(entry.version),
    source: z.literal(entry.source),
    data: entry.schema,
  });
  return {
    ...(z.toJSONSchema(schema, { io: 'input' }) as JsonSchema),
    title: type,
    description: entry.description,
  };
}
