import { type SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';

/** An OpenAPI 3.0 Schema Object, as the document holds it. */
export type OpenApiSchema = SchemaObject;

/**
 * The OpenAPI 3.0 form of a zod schema: what a client sends (`input`: defaults optional, coerced
 * query numbers as numbers) or what it receives (`output`). The schema that validates a request
 * is the one documented, so the two cannot disagree.
 */
export function openApiSchemaOf(schema: z.ZodType, io: 'input' | 'output'): OpenApiSchema {
  const { $schema: _dialect, ...converted } = z.toJSONSchema(schema, {
    target: 'openapi-3.0',
    io,
    // An answer may gain fields without a new version (clients ignore what they do not know),
    // so a documented answer does not forbid more; a strict request schema still does.
    override: ({ jsonSchema }) => {
      if (io === 'output' && jsonSchema.additionalProperties === false) {
        delete jsonSchema.additionalProperties;
      }
    },
  }) as Record<string, unknown>;
  // Definitions would be referenced as `#/$defs/…`, which means nothing inside an OpenAPI
  // document: refuse them rather than publish dangling references.
  if ('$defs' in converted) {
    throw new Error('A documented zod schema must not carry ids or cycles (they become $defs)');
  }
  return converted as OpenApiSchema;
}

/** The properties of an object schema (path parameters, a query string) one by one. */
export function openApiPropertiesOf(
  schema: z.ZodObject,
  io: 'input' | 'output',
): { name: string; required: boolean; schema: OpenApiSchema }[] {
  const converted = openApiSchemaOf(schema, io);
  const properties = (converted.properties ?? {}) as Record<string, OpenApiSchema>;
  const required = new Set(converted.required ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    required: required.has(name),
    schema: property,
  }));
}
