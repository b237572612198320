import { createTestDatabase, type TestDatabase } from '@switchyard/testing';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

const CLI = path.resolve(__dirname, '../../../../dist/apps/notifications/src/console-cli.js');

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI as an operator would, with `input` on its standard input. */
function runCli(args: string[], env: Record<string, string>, input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('npm run console:operator (the built CLI, real Postgres)', () => {
  let database: TestDatabase;
  let env: Record<string, string>;

  beforeAll(async () => {
    database = await createTestDatabase('e2e_console_cli');
    env = { DATABASE_URL: database.url };
  });

  afterAll(() => database?.drop());

  async function sql<T = Record<string, unknown>>(text: string): Promise<T[]> {
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }

  const operatorRows = () =>
    sql<{ email: string; password_hash: string }>(
      'SELECT email, password_hash FROM notifications.operators',
    );

  it('adds an operator on a database notifications never ran on, with the password from standard input', async () => {
    // Given a database without the notifications schema

    // When an operator is added, the password typed on standard input
    const run = await runCli(
      ['create-operator', 'lead@example.com'],
      env,
      'a long enough passphrase\n',
    );

    // Then it is created, its password kept only as a scrypt hash
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Created the console operator lead@example.com');
    const rows = await operatorRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$/);
    expect(rows[0]?.password_hash).not.toContain('passphrase');
  });

  it('refuses an email that exists already in any case, and a short password, adding nothing', async () => {
    // Given the operator of the test before
    // When the same email, in capitals, or a short password is given
    const again = await runCli(['create-operator', 'LEAD@example.com'], {
      ...env,
      CONSOLE_OPERATOR_PASSWORD: 'another long passphrase',
    });
    const weak = await runCli(['create-operator', 'second@example.com'], {
      ...env,
      CONSOLE_OPERATOR_PASSWORD: 'short',
    });

    // Then each exits 1 saying what is wrong, and there is still one operator
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('exists already');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('at least 12 characters');
    expect(await operatorRows()).toHaveLength(1);
  });

  it("changes an operator's password, and removes an operator, saying so", async () => {
    // Given the operator added before, signed in somewhere, and its password's hash
    const [before] = await operatorRows();
    await sql(
      `INSERT INTO notifications.console_sessions
         (token_hash, operator_id, capability, csrf_token, expires_at, ends_at)
       SELECT 'a-session', id, 'operator', 'a-token', now() + interval '1 hour', now() + interval '1 hour'
       FROM notifications.operators`,
    );

    // When its password is changed, then it is removed
    const changed = await runCli(['set-password', 'LEAD@example.com'], {
      ...env,
      CONSOLE_OPERATOR_PASSWORD: 'a brand new passphrase',
    });
    const [after] = await operatorRows();
    const removed = await runCli(['remove-operator', 'lead@example.com'], env);
    const again = await runCli(['remove-operator', 'lead@example.com'], env);

    // Then the hash changed, the operator is gone, and a second removal says there is none
    expect(changed).toMatchObject({ code: 0, stderr: '' });
    expect(changed.stdout).toContain('its sessions have ended');
    expect(await sql('SELECT token_hash FROM notifications.console_sessions')).toEqual([]);
    expect(after?.password_hash).toMatch(/^scrypt\$/);
    expect(after?.password_hash).not.toBe(before?.password_hash);
    expect(removed).toMatchObject({ code: 0, stderr: '' });
    expect(await operatorRows()).toHaveLength(0);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('There is no operator lead@example.com');
  });

  it('prints how to use it when the email is missing', async () => {
    const run = await runCli(['create-operator'], env);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run console:operator -- <email>');
  });
});
