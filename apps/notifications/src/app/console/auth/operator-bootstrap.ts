import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigError, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { type NotificationsConfig } from '../../notifications-env';
import { CreateOperatorUseCase, OperatorNotCreatedError } from './create-operator.usecase';
import { OperatorRepository } from './operator.repository';

/**
 * The first run: with CONSOLE_BOOTSTRAP_EMAIL and CONSOLE_BOOTSTRAP_PASSWORD set and no operator
 * yet, that operator is created, so a fresh stack can be signed into. Once any operator exists
 * the settings are ignored (changing them later changes no password).
 */
@Injectable()
export class OperatorBootstrap implements OnApplicationBootstrap {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly operators: OperatorRepository,
    private readonly createOperator: CreateOperatorUseCase,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(OperatorBootstrap.name);
  }

  async onApplicationBootstrap(): Promise<void> {
    const email = this.config.CONSOLE_BOOTSTRAP_EMAIL;
    const password = this.config.CONSOLE_BOOTSTRAP_PASSWORD;
    if (email === undefined && password === undefined) return;
    if (email === undefined || password === undefined)
      throw new ConfigError([
        'CONSOLE_BOOTSTRAP_EMAIL and CONSOLE_BOOTSTRAP_PASSWORD go together: set both to create the first operator, or neither',
      ]);
    if ((await this.operators.count()) > 0) return;
    try {
      await this.createOperator.execute(email, password);
      this.logger.info({ email }, 'created the first console operator');
    } catch (err) {
      // Another instance starting at the same time made it first.
      if (err instanceof OperatorNotCreatedError && err.code === 'operator_exists') return;
      throw err;
    }
  }
}
