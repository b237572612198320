import {
  dataJsonSchema,
  EventCatalog,
  type EventType,
  EventTypes,
  exampleDataOf,
} from '@switchyard/contracts';

export interface CatalogField {
  readonly name: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

export interface CatalogEventView {
  readonly type: EventType;
  readonly description: string;
  readonly source: string;
  readonly topic: string;
  readonly version: number;
  readonly fields: readonly CatalogField[];
  readonly example: string;
}

interface PropertySchema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  description?: string;
  items?: PropertySchema;
  anyOf?: PropertySchema[];
}

/** A property's type in a word or two: "string (uuid)", "integer", "one of: a, b", "array of object". */
function typeOf(schema: PropertySchema): string {
  if (schema.enum) return `one of: ${schema.enum.join(', ')}`;
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  if (type === 'array' && schema.items) return `array of ${typeOf(schema.items)}`;
  return schema.format ? `${type} (${schema.format})` : type;
}

/**
 * Every event type of libs/contracts as the catalog page shows it: its data's top-level fields,
 * read from the same JSON Schema docs/events.md is made from, and an example's data.
 */
export function eventCatalogView(): CatalogEventView[] {
  return EventTypes.map((type) => {
    const entry = EventCatalog[type];
    const schema = dataJsonSchema(type) as {
      properties?: Record<string, PropertySchema>;
      required?: string[];
    };
    const required = new Set(schema.required ?? []);
    return {
      type,
      description: entry.description,
      source: entry.source,
      topic: entry.topic,
      version: entry.version,
      fields: Object.entries(schema.properties ?? {}).map(([name, property]) => ({
        name,
        type: typeOf(property),
        required: required.has(name),
        description: property.description ?? '',
      })),
      example: JSON.stringify(exampleDataOf(type), null, 2),
    };
  });
}
