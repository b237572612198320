import { type PipeTransform } from '@nestjs/common';
import { type z } from 'zod';
import { ApiError } from './api-error';
import { InvalidJsonBody } from './json-body';

/** Validates a request body with a zod schema; failures are 400 `invalid_request` naming each field. */
export class ZodBodyPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown): z.infer<T> {
    if (value instanceof InvalidJsonBody) {
      throw new ApiError(
        400,
        'invalid_json',
        `The request body is not valid JSON: ${value.reason}`,
      );
    }
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const details = result.error.issues.map((i) => ({
      field: i.path.join('.') || '(body)',
      message: i.message,
    }));
    throw new ApiError(
      400,
      'invalid_request',
      `The request body is invalid: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`,
      details,
    );
  }
}
