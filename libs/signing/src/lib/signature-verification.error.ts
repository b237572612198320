export type SignatureVerificationCode =
  | 'missing_header'
  | 'malformed_header'
  | 'timestamp_too_old'
  | 'timestamp_in_future'
  | 'no_matching_signature'
  | 'invalid_secret';

/**
 * The one error every verifier throws. `code` is machine-readable (HTTP APIs return it as is);
 * the message says what the sender or the operator should fix.
 */
export class SignatureVerificationError extends Error {
  override readonly name = 'SignatureVerificationError';

  constructor(
    readonly code: SignatureVerificationCode,
    message: string,
  ) {
    super(message);
  }
}
