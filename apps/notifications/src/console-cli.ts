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
import { hashPassword, passwordProblem } from './app/console/auth/password';
import { notificationsMigrations } from './app/migrations/notifications-migrations';
import { NotificationsEnv } from './app/notifications-env';

const USAGE = `usage: npm run console:operator -- <email>       adds an operator
       node dist/apps/notifications/src/console-cli.js set-password <email>
       node dist/apps/notifications/src/console-cli.js remove-operator <email>
A password (at least 12 characters) is read from CONSOLE_OPERATOR_PASSWORD, or else from the
first line of standard input (piped). A new password or a removal ends the operator's sessions.
The database is the one notifications uses (DATABASE_URL, DB_SCHEMA); its tables are created if
this runs first.`;

/** The first line of standard input, piped in: a password typed at a terminal would show. */
async function firstLineOfInput(): Promise<string> {
  if (process.stdin.isTTY)
    throw new CliError(
      'Pipe the password in (e.g. from a password manager) or set CONSOLE_OPERATOR_PASSWORD: typed here it would show on the screen',
    );
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

/** A command that cannot be done, with what to fix. */
class CliError extends Error {
  override readonly name = 'CliError';
}

/** Runs `work` on notifications' database, its migrations run first. */
async function withOperators<T>(work: (operators: OperatorRepository) => Promise<T>): Promise<T> {
  const config = loadConfig(NotificationsEnv);
  const dataSource = await migrateUnderLock(
    new DataSource(dataSourceOptions(config, notificationsMigrations)),
    config.DB_SCHEMA,
  );
  try {
    return await work(new OperatorRepository(new RepositorySql(config.DB_SCHEMA), dataSource));
  } finally {
    await dataSource.destroy();
  }
}

const password = async () => process.env['CONSOLE_OPERATOR_PASSWORD'] ?? (await firstLineOfInput());

const COMMANDS: Record<string, (email: string) => Promise<string>> = {
  'create-operator': async (email) => {
    const secret = await password();
    const created = await withOperators((operators) =>
      new CreateOperatorUseCase(operators).execute(email, secret),
    );
    return `Created the console operator ${created.email}; sign in at /console.`;
  },
  'set-password': async (email) => {
    const secret = await password();
    const problem = passwordProblem(secret);
    if (problem) throw new CliError(`The password ${problem}`);
    const hash = await hashPassword(secret);
    if (!(await withOperators((operators) => operators.replacePassword(email, hash))))
      throw new CliError(`There is no operator ${email}`);
    return `Changed the password of ${email}; its sessions have ended.`;
  },
  'remove-operator': async (email) => {
    if (!(await withOperators((operators) => operators.remove(email))))
      throw new CliError(`There is no operator ${email}`);
    return `Removed the console operator ${email}; its sessions have ended.`;
  },
};

async function main(args: readonly string[]): Promise<number> {
  const [command, email, ...rest] = args;
  const run =
    command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!run || !email || rest.length > 0) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  try {
    process.stdout.write(`${await run(email)}\n`);
    return 0;
  } catch (err) {
    if (
      err instanceof OperatorNotCreatedError ||
      err instanceof ConfigError ||
      err instanceof CliError
    ) {
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
