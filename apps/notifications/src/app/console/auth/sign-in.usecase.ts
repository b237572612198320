import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@switchyard/service';
import { type NotificationsConfig } from '../../notifications-env';
import { sessionLifetime } from './console-lifetimes';
import { ConsoleSessionRepository } from './console-session.repository';
import { hashConsoleToken, newConsoleToken } from './console-token';
import { OperatorRepository } from './operator.repository';
import { UNKNOWN_OPERATOR_HASH, verifyPassword } from './password';

/**
 * An operator's sign-in: a new session when the email and password match, nothing otherwise.
 * An unknown email costs the same scrypt as a wrong password, so timing does not tell which.
 */
@Injectable()
export class SignInUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly operators: OperatorRepository,
    private readonly sessions: ConsoleSessionRepository,
  ) {}

  /** The new session's cookie value, or nothing when the credentials do not match. */
  async execute(email: string, password: string): Promise<string | undefined> {
    const operator = await this.operators.byEmail(email.trim());
    const matches = await verifyPassword(password, operator?.passwordHash ?? UNKNOWN_OPERATOR_HASH);
    if (!operator || !matches) return undefined;
    const token = newConsoleToken('sys_');
    await this.sessions.add(
      {
        tokenHash: hashConsoleToken(token),
        csrfToken: newConsoleToken('syc_'),
        operatorId: operator.id,
      },
      sessionLifetime(this.config),
    );
    return token;
  }
}
