import { type z } from 'zod';

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
