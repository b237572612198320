import type { ConsoleArea } from './console-area.decorator';

/** A console page asked for without a live session: operators are sent to sign in. */
export class SignInRequiredError extends Error {
  override readonly name = 'SignInRequiredError';

  constructor(readonly area: ConsoleArea) {
    super(
      area === 'partner'
        ? 'Your portal session has ended; ask your contact for a new portal link'
        : 'Sign in to the console first',
    );
  }
}
