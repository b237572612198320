import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OperatorRepository } from './operator.repository';
import { hashPassword, passwordProblem } from './password';

/** Why an operator was not created, in words that say what to change. */
export class OperatorNotCreatedError extends Error {
  override readonly name = 'OperatorNotCreatedError';

  constructor(
    readonly code: 'invalid_email' | 'weak_password' | 'operator_exists',
    message: string,
  ) {
    super(message);
  }
}

/** An operator account: an email (unique whatever its case) and a password kept as scrypt. */
@Injectable()
export class CreateOperatorUseCase {
  constructor(private readonly operators: OperatorRepository) {}

  async execute(email: string, password: string): Promise<{ id: string; email: string }> {
    const trimmed = email.trim();
    if (!z.email().safeParse(trimmed).success)
      throw new OperatorNotCreatedError('invalid_email', `"${trimmed}" is not an email address`);
    const problem = passwordProblem(password);
    if (problem) throw new OperatorNotCreatedError('weak_password', `The password ${problem}`);
    const id = randomUUID();
    const added = await this.operators.add({
      id,
      email: trimmed,
      passwordHash: await hashPassword(password),
    });
    if (!added)
      throw new OperatorNotCreatedError(
        'operator_exists',
        `An operator with the email ${trimmed} exists already`,
      );
    return { id, email: trimmed };
  }
}
