import 'reflect-metadata';
import {
  ConfigError,
  dataSourceOptions,
  loadConfig,
  migrateUnderLock,
  RepositorySql,
} from '@switchyard/service';
import { createInterface } from 'node:readline';
import { DataSource } from 'typeorm';
import {
  CreateOperatorUseCase,
  OperatorNotCreatedError,
} from './app/console/auth/create-operator.usecase';
import { OperatorRepository } from './app/console/auth/operator.repository';
import { notificationsMigrations } from './app/migrations/notifications-migrations';
import { NotificationsEnv } from './app/notifications-env';

const USAGE = `usage: npm run console:operator -- <email>
Adds a console operator. The password (at least 12 characters) is read from
CONSOLE_OPERATOR_PASSWORD, or else from the first line of standard input (piped). The database is the
one notifications uses (DATABASE_URL, DB_SCHEMA); its tables are created if this runs first.`;

/** The first line of standard input, piped in: a password typed at a terminal would show. */
async function firstLineOfInput(): Promise<string> {
  if (process.stdin.isTTY)
    throw new OperatorNotCreatedError(
      'password_not_piped',
      'Pipe the password in (e.g. from a password manager) or set CONSOLE_OPERATOR_PASSWORD: typed here it would show on the screen',
    );
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function createOperator(email: string): Promise<void> {
  const config = loadConfig(NotificationsEnv);
  const password = process.env['CONSOLE_OPERATOR_PASSWORD'] ?? (await firstLineOfInput());
  const dataSource = await migrateUnderLock(
    new DataSource(dataSourceOptions(config, notificationsMigrations)),
    config.DB_SCHEMA,
  );
  try {
    const operators = new OperatorRepository(new RepositorySql(config.DB_SCHEMA), dataSource);
    const created = await new CreateOperatorUseCase(operators).execute(email, password);
    process.stdout.write(`Created the console operator ${created.email}; sign in at /console.\n`);
  } finally {
    await dataSource.destroy();
  }
}

async function main(args: readonly string[]): Promise<number> {
  const [command, email, ...rest] = args;
  if (command !== 'create-operator' || !email || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    await createOperator(email);
    return 0;
  } catch (err) {
    if (err instanceof OperatorNotCreatedError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
