/**
 * A webhook destination refused before any packet was sent: a scheme other than http(s),
 * plain http where https is required, or a host that is or resolves to a non-public address.
 */
export class UnsafeDestinationError extends Error {
  override readonly name = 'UnsafeDestinationError';
  readonly code = 'ERR_UNSAFE_DESTINATION';

  constructor(message: string) {
    super(message);
  }
}
