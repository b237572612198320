import { ApiError } from '@switchyard/service';

interface ApiErrorBody {
  readonly error?: { readonly message?: string };
}

/**
 * The sentence of an API rule a form broke (422: an unsafe URL, an invalid filter), for the form
 * to show; anything else is not the form's to explain and is thrown on.
 */
export function formProblemOf(err: unknown): string {
  if (err instanceof ApiError && err.getStatus() === 422) {
    const body = err.getResponse() as ApiErrorBody;
    return body.error?.message ?? 'This form breaks a rule of the API';
  }
  throw err;
}
