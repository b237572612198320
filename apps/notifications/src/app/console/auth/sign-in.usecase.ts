import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type NotificationsConfig } from '../../notifications-env';
import { sessionLifetime } from './console-lifetimes';
import { ConsoleSessionRepository } from './console-session.repository';
import { hashConsoleToken, newConsoleToken } from './console-token';
import { OperatorRepository } from './operator.repository';
import { UNKNOWN_OPERATOR_HASH, verifyPassword } from './password';
import { SignInThrottle } from './sign-in-throttle';

/** Failed sign-ins in a row after which an account locks, and for how long each time. */
const ACCOUNT_FAILURES = 5;
const ACCOUNT_LOCK_SECONDS = 15 * 60;
/** Failed sign-ins per client address per window, in this instance. */
const ADDRESS_FAILURES = 20;
const ADDRESS_WINDOW_MS = 15 * 60_000;

export type SignInOutcome =
  | { readonly kind: 'signed-in'; readonly token: string }
  | { readonly kind: 'refused' }
  | { readonly kind: 'throttled'; readonly until: Date };

/**
 * An operator's sign-in: a new session when the email and password match. An unknown email
 * costs the same scrypt as a wrong password, so timing does not tell which. Guessing is slowed
 * twice: per account (locked after failures in a row, while locked its password is not even
 * checked) and per client address.
 */
@Injectable()
export class SignInUseCase {
  private readonly throttle = new SignInThrottle(ADDRESS_FAILURES, ADDRESS_WINDOW_MS);

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly operators: OperatorRepository,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  async execute(email: string, password: string, address: string): Promise<SignInOutcome> {
    const blocked = this.throttle.blockedUntil(address);
    if (blocked) return { kind: 'throttled', until: blocked };
    const operator = await this.operators.byEmail(email.trim());
    if (operator?.lockedUntil) return { kind: 'throttled', until: operator.lockedUntil };
    const matches = await verifyPassword(password, operator?.passwordHash ?? UNKNOWN_OPERATOR_HASH);
    if (!operator || !matches) {
      this.throttle.recordFailure(address);
      if (operator)
        await this.operators.recordFailure(operator.id, ACCOUNT_FAILURES, ACCOUNT_LOCK_SECONDS);
      return { kind: 'refused' };
    }
    await this.operators.recordSuccess(operator.id);
    const token = newConsoleToken('sys_');
    await this.sessions.add(
      {
        tokenHash: hashConsoleToken(token),
        csrfToken: newConsoleToken('syc_'),
        operatorId: operator.id,
      },
      sessionLifetime(this.config),
    );
    return { kind: 'signed-in', token };
  }
}
