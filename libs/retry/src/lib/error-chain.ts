/** What an error carries, as the classifications read it. */
export interface ErrorLike {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly cause?: unknown;
  readonly driverError?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

/** The error and what it wraps: `cause`, TypeORM's `driverError`, kafkajs's `originalError`, AggregateError's `errors`. */
export function* errorChain(err: unknown, depth = 0): Generator<ErrorLike> {
  if (typeof err !== 'object' || err === null || depth > 8) return;
  const e = err as ErrorLike;
  yield e;
  for (const inner of [e.cause, e.driverError, e.originalError])
    yield* errorChain(inner, depth + 1);
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* errorChain(inner, depth + 1);
}
