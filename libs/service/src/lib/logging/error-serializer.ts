/** An error as pino's standard serializer gives it: every enumerable field copied. */
type SerializedError = Record<string, unknown>;

/**
 * The fields of an error worth a log line that cannot carry a secret or a payload: what
 * happened, where, and the codes that say why. Everything else is dropped, because libraries
 * hang what they were sending on their errors: TypeORM's QueryFailedError keeps the statement's
 * `parameters` (endpoint secrets, API key hashes, event payloads) and pg's `detail` quotes the
 * offending values; HTTP clients keep request `config`, `headers` and `body`; Stripe's errors
 * keep the `raw` response, and a card error the PaymentIntent (client secret) and payment method
 * (card details).
 */
const KEPT_FIELDS = [
  'type',
  'message',
  'stack',
  'code',
  'errno',
  'syscall',
  'status',
  'statusCode',
  'requestId',
  'decline_code',
  'constraint',
  'table',
  'column',
  'routine',
] as const;

/**
 * pino `err` serializer, applied after the standard one (which has already folded causes into
 * `message` and `stack`): keeps KEPT_FIELDS of the error and of each error it aggregates.
 */
export function serializeErrorSafely(serialized: unknown): unknown {
  if (typeof serialized !== 'object' || serialized === null) return serialized;
  const source = serialized as SerializedError;
  const kept: SerializedError = {};
  for (const field of KEPT_FIELDS) {
    if (isScalar(source[field])) kept[field] = source[field];
  }
  if (Array.isArray(source['aggregateErrors'])) {
    kept['aggregateErrors'] = source['aggregateErrors'].map(serializeErrorSafely);
  }
  return kept;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
