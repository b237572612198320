/**
 * Marks a failure worth retrying (a lock timeout, a dependency briefly down). Errors without a
 * marker are retried too, as at-least-once demands; this one documents intent at the throw site.
 */
export class RetriableError extends Error {
  override readonly name: string = 'RetriableError';
}

/**
 * Marks an event that can never be processed as it is (an unknown order, a broken invariant):
 * the consumer sends it to the dead-letter topic at once, with this message as the reason.
 */
export class UnprocessableEventError extends Error {
  override readonly name: string = 'UnprocessableEventError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
