import SwaggerParser from '@apidevtools/swagger-parser';
import { type OpenAPIObject } from '@nestjs/swagger';
import { API_ERROR_SCHEMA_NAME, openApiJson } from '@switchyard/service';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');
/** The operations a path item can hold that our services serve. */
export const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const ERROR_REF = `#/components/schemas/${API_ERROR_SCHEMA_NAME}`;

interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

/** Where the service's document is checked in. */
export function checkedInOpenApiPath(service: string): string {
  return join(ROOT, 'docs/openapi', `${service}.json`);
}

/**
 * Why the checked-in document is not `document`, or null when it is. The message tells how to
 * bring it up to date.
 */
export function staleOpenApi(service: string, document: OpenAPIObject): string | null {
  const path = checkedInOpenApiPath(service);
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {
    // A missing file is stale too; the message below says how to write it.
  }
  return current === openApiJson(document)
    ? null
    : `docs/openapi/${service}.json is not the document the ${service} service serves: run \`npm run docs:openapi\` and commit the result`;
}

/** Every problem an OpenAPI validator finds; it rejects on the first (its own message). */
export async function validateOpenApi(document: OpenAPIObject): Promise<void> {
  // The validator dereferences in place: give it a copy.
  await SwaggerParser.validate(structuredClone(document) as never);
}

function operationGaps(route: string, op: Operation): string[] {
  const gaps: string[] = [];
  if (!op.summary) gaps.push(`${route}: no summary`);
  const statuses = Object.keys(op.responses);
  const successes = statuses.filter((s) => s.startsWith('2'));
  // One success, or a create-or-update's 201 (made) and 200 (it existed, updated).
  const createOrUpdate =
    successes.length === 2 && successes.includes('200') && successes.includes('201');
  if (successes.length !== 1 && !createOrUpdate)
    gaps.push(`${route}: ${successes.length} success responses`);
  for (const status of statuses) {
    // 204 No Content has no body to describe.
    if (status === '204') continue;
    const content = Object.values(op.responses[status]?.content ?? {});
    if (content.length === 0 || content.some((c) => c.schema === undefined)) {
      gaps.push(`${route}: response ${status} has no schema`);
    }
  }
  const errors = statuses.filter((s) => /^[45]/.test(s));
  const shared = errors.filter((s) =>
    Object.values(op.responses[s]?.content ?? {}).some((c) => c.schema?.$ref === ERROR_REF),
  );
  if (shared.length === 0)
    gaps.push(`${route}: no error response in the ${API_ERROR_SCHEMA_NAME} shape`);
  if (op.requestBody && !Object.values(op.requestBody.content ?? {}).some((c) => c.schema)) {
    gaps.push(`${route}: request body without a schema`);
  }
  for (const [, name] of route.matchAll(/\{(\w+)\}/g)) {
    if (!op.parameters?.some((p) => p.in === 'path' && p.name === name && p.schema)) {
      gaps.push(`${route}: path parameter ${name} undocumented`);
    }
  }
  return gaps;
}

/**
 * What the document leaves out: an operation without a summary, without a success body schema
 * (but for a 204), without an error response in the shared shape, or with a request part that
 * has no schema.
 */
export function openApiGaps(document: OpenAPIObject): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    OPERATION_METHODS.flatMap((method) => {
      const op = (item as Record<string, Operation | undefined>)[method];
      return op ? operationGaps(`${method.toUpperCase()} ${path}`, op) : [];
    }),
  );
}
