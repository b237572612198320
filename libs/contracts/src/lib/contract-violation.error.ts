export type ContractViolationCode =
  'not_json' | 'invalid_envelope' | 'unknown_event_type' | 'unsupported_version' | 'invalid_data';

/**
 * A message that does not satisfy its contract. Never retriable: the same bytes fail the same way,
 * so a consumer sends it to the dead-letter topic with this message as the reason.
 */
export class ContractViolationError extends Error {
  override readonly name = 'ContractViolationError';

  constructor(
    readonly code: ContractViolationCode,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(issues.length > 0 ? `${message}: ${issues.join('; ')}` : message);
  }
}
