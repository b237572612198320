import { type OpenAPIObject } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { checkedInOpenApiPath, OPERATION_METHODS } from './openapi-checks';
import { type BadRequestProbe } from './request-probe';

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly responses: Record<string, { description?: string }>;
}

/** The service's document as checked in at docs/openapi/<service>.json. */
export function checkedInOpenApi(service: string): OpenAPIObject {
  return JSON.parse(readFileSync(checkedInOpenApiPath(service), 'utf8')) as OpenAPIObject;
}

/** Every operation, those without path parameters first (`/replay` is not an `{id}`). */
function routesOf(document: OpenAPIObject): Route[] {
  return Object.entries(document.paths)
    .flatMap(([template, item]) =>
      OPERATION_METHODS.flatMap((method) => {
        const op = (item as Record<string, { responses: Route['responses'] } | undefined>)[method];
        if (!op) return [];
        const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
        return [{ method: method.toUpperCase(), template, pattern, responses: op.responses }];
      }),
    )
    .sort((a, b) => a.template.split('{').length - b.template.split('{').length);
}

/**
 * The probes whose refusal (status and code) the document does not list for their route; probes
 * of paths or methods no route has are left out (there is no operation to document them on).
 */
export function undocumentedRefusals(
  document: OpenAPIObject,
  probes: readonly BadRequestProbe[],
): string[] {
  const routes = routesOf(document);
  return probes.flatMap((probe) => {
    const path = probe.path.split('?')[0] ?? probe.path;
    const route = routes.find((r) => r.method === probe.method && r.pattern.test(path));
    if (!route) return [];
    const description = route.responses[String(probe.status)]?.description ?? '';
    return description.includes(`\`${probe.code}\``)
      ? []
      : [`${probe.method} ${route.template}: ${probe.status} ${probe.code} (${probe.given})`];
  });
}
