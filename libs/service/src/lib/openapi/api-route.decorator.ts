import { applyDecorators } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
} from '@nestjs/swagger';
import { type z } from 'zod';
import { ZodPipe } from '../http/zod.pipe';
import { type ApiErrorCase, PATH_PARAM_ERRORS } from './api-error-cases';
import { API_ERROR_SCHEMA_NAME } from './api-error.schema';
import { openApiPropertiesOf, openApiSchemaOf } from './openapi-schema';

/** A request header the route reads. */
export interface ApiHeaderSpec {
  readonly name: string;
  readonly description: string;
  readonly schema: z.ZodType;
}

/** The success answer: its status, and the zod schema of its body (none for a 204). */
export interface ApiSuccessSpec {
  readonly status: number;
  readonly description: string;
  readonly schema: z.ZodType | null;
  /** `application/json` unless the body is something else (Prometheus text). */
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, { description: string; schema: z.ZodType }>>;
}

/** An answer that is not the success and not the error shape (the health report's 503). */
export interface ApiOtherResponseSpec {
  readonly status: number;
  readonly description: string;
  readonly schema: z.ZodType;
}

/**
 * Everything the OpenAPI document says about one route, from the zod schemas that validate it
 * (`params`, `query`, `body`) and that type its answer (`response`).
 */
export interface ApiRouteSpec {
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly headers?: readonly ApiHeaderSpec[];
  readonly body?: z.ZodType;
  /** Authorization: Bearer (a partner's API key or the ADMIN_TOKEN). */
  readonly bearer?: boolean;
  readonly response: ApiSuccessSpec;
  readonly otherResponses?: readonly ApiOtherResponseSpec[];
  /**
   * Every failure the route answers in the error shape; grouped by status in the document.
   * With `params`, PATH_PARAM_ERRORS are added: Fastify answers them for every such route.
   */
  readonly errors: readonly ApiErrorCase[];
}

const errorRef = { $ref: `#/components/schemas/${API_ERROR_SCHEMA_NAME}` };

/** Nest's route-argument kinds that the spec must then document. */
const READS: readonly [RouteParamtypes, keyof ApiRouteSpec][] = [
  [RouteParamtypes.BODY, 'body'],
  [RouteParamtypes.QUERY, 'query'],
  [RouteParamtypes.PARAM, 'params'],
];

/**
 * A handler that validates a body, a query or path parameters the spec leaves out would be
 * published undocumented: refuse it when the class is defined. Parameter decorators run before
 * method decorators, so the handler's arguments are known here.
 */
function assertDocumentsWhatItReads(
  target: object,
  key: string | symbol,
  spec: ApiRouteSpec,
): void {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as Record<
    string,
    unknown
  >;
  const kinds = new Set(Object.keys(args).map((arg) => Number(arg.split(':')[0])));
  for (const [kind, field] of READS) {
    if (kinds.has(kind) && spec[field] === undefined) {
      throw new Error(
        `${target.constructor.name}.${String(key)} reads its ${field} but @ApiRoute does not document it`,
      );
    }
  }
  for (const [argKey, arg] of Object.entries(args)) {
    assertValidatesWhatItDocuments(target, key, spec, Number(argKey.split(':')[0]), arg);
  }
}

/**
 * The schema a handler's ZodPipe validates with must be the one @ApiRoute publishes (the same
 * object, not a copy), so the document cannot drift from what the service accepts.
 */
function assertValidatesWhatItDocuments(
  target: object,
  key: string | symbol,
  spec: ApiRouteSpec,
  kind: number,
  arg: unknown,
): void {
  const { data, pipes = [] } = arg as { data?: string; pipes?: unknown[] };
  const documented = documentedSchema(spec, kind, data);
  if (documented === undefined) return;
  for (const pipe of pipes) {
    if (pipe instanceof ZodPipe && pipe.validates !== documented) {
      throw new Error(
        `${target.constructor.name}.${String(key)} validates its ${kindName(kind)}${data ? ` "${data}"` : ''} with a schema @ApiRoute does not publish: pass the same schema to both`,
      );
    }
  }
}

function documentedSchema(
  spec: ApiRouteSpec,
  kind: number,
  field: string | undefined,
): z.ZodType | undefined {
  const whole =
    kind === RouteParamtypes.BODY
      ? spec.body
      : kind === RouteParamtypes.QUERY
        ? spec.query
        : kind === RouteParamtypes.PARAM
          ? spec.params
          : undefined;
  if (!whole || field === undefined) return whole;
  return (whole as z.ZodObject).shape?.[field] as z.ZodType | undefined;
}

function kindName(kind: number): string {
  return READS.find(([k]) => k === kind)?.[1] ?? 'argument';
}

/** Error cases as one response per status, its description listing each code. */
function errorResponses(errors: readonly ApiErrorCase[]): MethodDecorator[] {
  const byStatus = new Map<number, ApiErrorCase[]>();
  for (const error of errors)
    byStatus.set(error.status, [...(byStatus.get(error.status) ?? []), error]);
  return [...byStatus.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, cases]) =>
      ApiResponse({
        status,
        description: cases.map((c) => `\`${c.code}\`: ${c.when}`).join('; '),
        schema: errorRef,
      }),
    );
}

function successResponse(response: ApiSuccessSpec): MethodDecorator {
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, header]) => [
      name,
      { description: header.description, schema: openApiSchemaOf(header.schema, 'output') },
    ]),
  );
  return ApiResponse({
    status: response.status,
    description: response.description,
    ...(response.schema && {
      content: {
        [response.contentType ?? 'application/json']: {
          schema: openApiSchemaOf(response.schema, 'output'),
        },
      },
    }),
    ...(response.headers ? { headers } : {}),
  });
}

function requestDecorators(spec: ApiRouteSpec): MethodDecorator[] {
  return [
    ...(spec.params ? openApiPropertiesOf(spec.params, 'input') : []).map((p) =>
      ApiParam({ name: p.name, required: true, schema: p.schema }),
    ),
    ...(spec.query ? openApiPropertiesOf(spec.query, 'input') : []).map((p) =>
      ApiQuery({ name: p.name, required: p.required, schema: p.schema }),
    ),
    ...(spec.headers ?? []).map((h) =>
      ApiHeader({
        name: h.name,
        required: !h.schema.safeParse(undefined).success,
        description: h.description,
        schema: openApiSchemaOf(h.schema, 'input'),
      }),
    ),
    ...(spec.body
      ? [
          ApiBody({
            // A body whose schema accepts nothing at all (defaults throughout) may be left out.
            required: !spec.body.safeParse(undefined).success,
            schema: openApiSchemaOf(spec.body, 'input'),
          }),
        ]
      : []),
  ];
}

/** Documents a route in the service's OpenAPI document; see ApiRouteSpec. */
export function ApiRoute(spec: ApiRouteSpec): MethodDecorator {
  const documented = applyDecorators(
    ApiOperation({
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
    }),
    ...(spec.bearer ? [ApiBearerAuth()] : []),
    ...requestDecorators(spec),
    successResponse(spec.response),
    ...(spec.otherResponses ?? []).map((r) =>
      ApiResponse({
        status: r.status,
        description: r.description,
        schema: openApiSchemaOf(r.schema, 'output'),
      }),
    ),
    ...errorResponses(spec.params ? [...PATH_PARAM_ERRORS, ...spec.errors] : spec.errors),
  );
  return (target, key, descriptor) => {
    assertDocumentsWhatItReads(target, key, spec);
    return documented(target, key, descriptor);
  };
}
