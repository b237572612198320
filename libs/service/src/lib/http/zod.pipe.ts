import { type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { type z } from 'zod';
import { ApiError } from './api-error';
import { InvalidJsonBody } from './json-body';
import { findUnstorableText } from './storable-text';
import { issueMessages } from './zod-issue-message';

/** What a request part's validation failure answers: 400 with this code. */
export const VALIDATION_ERROR_CODES = {
  /** The JSON body. The code predates the other two and is kept for clients that match on it. */
  body: 'invalid_request',
  /** The query string. */
  query: 'invalid_query',
  /** The path parameters (`/orders/:id`). */
  params: 'invalid_params',
} as const;

type Part = keyof typeof VALIDATION_ERROR_CODES;

const SUBJECTS: Record<Part, string> = {
  body: 'The request body is invalid',
  query: 'The query string is invalid',
  params: 'The path is invalid',
};

/** One problem of a request: the dotted path of the field (empty for the whole part) and what to fix. */
export interface ValidationIssue {
  readonly field: string;
  readonly message: string;
}

export interface ZodPipeOptions {
  /**
   * The error to throw instead of the 400, such as a 404 for an id that cannot name anything
   * (`/orders/not-a-uuid` is an order that does not exist).
   */
  readonly orElse?: (issues: readonly ValidationIssue[]) => Error;
}

function partOf(metadata: ArgumentMetadata): Part {
  if (metadata.type === 'query') return 'query';
  if (metadata.type === 'param') return 'params';
  return 'body';
}

/**
 * Validates a body, a query string or path parameters with a zod schema, whichever the
 * decorator it is given to reads (`@Body`, `@Query`, `@Param`): one pipe, one answer for every
 * edge. A failure is 400 with the part's code (`VALIDATION_ERROR_CODES`), a message naming what
 * was validated and each problem ("The query string is invalid: limit must be at most 100"), and
 * `details: [{ field, message }]`. Text Postgres cannot store (NUL, unpaired surrogates) is
 * refused here too, so it never reaches a query as a 500.
 */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(
    private readonly schema: T,
    private readonly options: ZodPipeOptions = {},
  ) {}

  /** The schema it validates with: @ApiRoute checks that it is the one it documents. */
  get validates(): z.ZodType {
    return this.schema;
  }

  transform(value: unknown, metadata: ArgumentMetadata): z.infer<T> {
    const part = partOf(metadata);
    if (value instanceof InvalidJsonBody) {
      throw new ApiError(
        400,
        'invalid_json',
        `The request body is not valid JSON: ${value.reason}; send a JSON document with content-type application/json`,
      );
    }
    const result = this.schema.safeParse(value, { error: issueMessages(part) });
    const prefix = metadata.data ? [metadata.data] : [];
    const issues: ValidationIssue[] = [
      ...(result.success ? [] : result.error.issues).map((i) => ({
        field: [...prefix, ...i.path.map(String)].join('.'),
        message: repeatedParameter(part, value, i.path) ?? i.message,
      })),
      ...findUnstorableText(value).map((i) => ({
        field: [...prefix, ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    ];
    if (result.success && issues.length === 0) return result.data;
    if (this.options.orElse) throw this.options.orElse(issues);
    const sentence = issues
      .map((i) => (i.field ? `${i.field} ${i.message}` : i.message))
      .join('; ');
    throw new ApiError(
      400,
      VALIDATION_ERROR_CODES[part],
      `${SUBJECTS[part]}: ${sentence}`,
      issues.map((i) => ({ field: i.field || `(${part})`, message: i.message })),
    );
  }
}

/** `?limit=1&limit=2` reaches the schema as an array: say so rather than "must be a number". */
function repeatedParameter(
  part: Part,
  value: unknown,
  path: readonly PropertyKey[],
): string | undefined {
  if (part !== 'query' || path.length !== 1 || typeof value !== 'object' || value === null) {
    return undefined;
  }
  const given = (value as Record<string, unknown>)[String(path[0])];
  return Array.isArray(given) ? `is given ${given.length} times: send it once` : undefined;
}
