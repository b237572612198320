import { z } from 'zod';

/**
 * A posted form's fields as an object for zod (the last value of a repeated field; use
 * `formValues` for multi-selects). Anything but a form is no fields at all.
 */
export function formFields(body: unknown): Record<string, string> {
  return body instanceof URLSearchParams ? Object.fromEntries(body) : {};
}

/** Every value of a repeated field, as a multi-select or checkboxes send them. */
export function formValues(body: unknown, name: string): string[] {
  return body instanceof URLSearchParams ? body.getAll(name) : [];
}

/** One sentence per field that is wrong, for the page to show beside the form. */
export function problemOf(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || 'form'}: ${issue.message}`)
    .join('; ');
}

/** A field of a form left empty (a select at "any") is no value at all. */
export const optionalFilter = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** A time zone at the end of an ISO 8601 date and time: `Z` or an offset such as `+02:00`. */
const ZONE = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * A date and time typed in a form: a datetime-local field's value (no zone) is UTC, as the
 * console shows every time; one with its own zone or offset is taken as written.
 */
export const consoleTime = z.iso
  .datetime({
    offset: true,
    local: true,
    message: 'must be a date and time that exists, such as 2026-01-31T14:30 (UTC)',
  })
  .transform((text) => new Date(ZONE.test(text) ? text : `${text}Z`))
  .refine((date) => date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999, {
    message: 'must be between the years 1970 and 9999',
  });
