import { SignatureVerificationError } from './signature-verification.error';

/** The code of the SignatureVerificationError `fn` throws, or "no error"; any other error escapes. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SignatureVerificationError) return err.code;
    throw err;
  }
  return 'no error';
}
