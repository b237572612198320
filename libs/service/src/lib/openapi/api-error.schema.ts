import { z } from 'zod';

/** The name of the one error shape in every document's `components.schemas`. */
export const API_ERROR_SCHEMA_NAME = 'ApiError';

/** `{ error: { code, message, details? } }`: what every failure of every route answers. */
export const ApiErrorResponse = z.object({
  error: z.object({
    code: z.string().describe('Machine-readable, such as invalid_request or order_not_found'),
    message: z.string().describe('What went wrong and what to do about it, for a person'),
    details: z
      .array(z.unknown())
      .optional()
      .describe('Per-field problems ({ field, message }) or facts about the refusal'),
  }),
});
