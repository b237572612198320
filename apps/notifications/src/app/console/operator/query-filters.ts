import { z } from 'zod';

/** A field of a GET form left empty (a select at "any") is no filter at all. */
export const optionalFilter = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
