import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './free-port';
import { waitFor } from '../wait-for';

const run = promisify(execFile);

/** The newest PostgreSQL server binaries the machine has (Debian puts them per version). */
function serverBinaries(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(path.join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      'No PostgreSQL server binaries under /usr/lib/postgresql: install the postgresql package',
    );
  }
  return path.join(base, versions[0] as string, 'bin');
}

/**
 * A PostgreSQL cluster of the suite's own, made with initdb in a temporary directory, on a free
 * port: a fault test stops and restarts it without touching the machine's server or any other
 * suite. As root it runs as the `postgres` account, since initdb refuses root.
 */
export class PrivatePostgres {
  readonly port: number;
  private readonly bin: string;
  private readonly dir: string;
  private readonly asPostgres: boolean;

  private constructor(port: number) {
    this.port = port;
    this.bin = serverBinaries();
    this.dir = mkdtempSync(path.join(tmpdir(), 'switchyard-pg-'));
    this.asPostgres = process.getuid?.() === 0;
  }

  /** Makes the cluster and starts it. */
  static async create(): Promise<PrivatePostgres> {
    const cluster = new PrivatePostgres(await freePort());
    await cluster.init();
    await cluster.start();
    return cluster;
  }

  /** A connection string to `database` on this cluster. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async createDatabase(name: string): Promise<string> {
    await this.withClient((c) => c.query(`CREATE DATABASE "${name}"`));
    return this.url(name);
  }

  /** Runs `fn` with a fresh connection, closed afterwards. */
  async withClient<T>(fn: (client: Client) => Promise<T>, database = 'postgres'): Promise<T> {
    const client = new Client({
      connectionString: this.url(database),
      connectionTimeoutMillis: 5000,
    });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  async start(): Promise<void> {
    await this.pgCtl(
      'start',
      '-w',
      '-t',
      '60',
      '-l',
      path.join(this.dir, 'server.log'),
      '-o',
      `-h 127.0.0.1 -p ${this.port} -k ${this.dir} -c max_connections=300 -c fsync=off`,
    );
    await waitFor(
      'the private Postgres to accept connections',
      async () => {
        await this.withClient((c) => c.query('SELECT 1'));
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  /**
   * Stops the server. `fast` ends sessions and shuts down cleanly; `immediate` is a crash (the
   * next start recovers from the WAL).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCtl('stop', '-w', '-t', '60', '-m', mode);
  }

  /** Stops the server for good and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async init(): Promise<void> {
    if (this.asPostgres) chownSync(this.dir, ...(await this.postgresIds()));
    await this.as(path.join(this.bin, 'initdb'), [
      '-D',
      path.join(this.dir, 'data'),
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
  }

  private pgCtl(...args: string[]): Promise<unknown> {
    return this.as(path.join(this.bin, 'pg_ctl'), ['-D', path.join(this.dir, 'data'), ...args]);
  }

  private async as(command: string, args: string[]): Promise<unknown> {
    const [file, argv] = this.asPostgres
      ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
      : [command, args];
    try {
      return await run(file, argv, { timeout: 120_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(
        `${path.basename(command)} ${args[0] ?? ''} failed: ${e.stderr || e.message}`,
      );
    }
  }

  private async postgresIds(): Promise<[number, number]> {
    const { stdout } = await run('id', ['-u', 'postgres']).catch(() => {
      throw new Error('Running as root needs a `postgres` account for initdb (install postgresql)');
    });
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    return [Number(stdout.trim()), Number(gid.trim())];
  }
}
