import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';

const root = path.resolve(__dirname, '../../../..');

export interface ServiceProcessOptions {
  readonly name: 'orders' | 'payments' | 'notifications';
  readonly port: number;
  readonly env: Record<string, string>;
  /** Names the log file when several instances of one service run: `<name>-<label>.log`. */
  readonly label?: string;
}

/**
 * One service started as a real process from its build in dist/, the way it runs in production.
 * Its output is kept, and shown when it fails to become ready.
 */
export class ServiceProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private logWritten: Promise<void> = Promise.resolve();
  readonly url: string;
  /** Every line the process wrote, across its restarts; complete once `stop()` resolves. */
  readonly logFile: string;

  constructor(private readonly options: ServiceProcessOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.logFile = path.join(
      root,
      '.local/test-logs',
      `${options.name}-${options.label ?? options.port}.log`,
    );
  }

  get logs(): string {
    return this.output;
  }

  get name(): string {
    return this.options.name;
  }

  get pid(): number | undefined {
    return this.child?.exitCode === null ? this.child.pid : undefined;
  }

  /** Whether the process is running (started and not exited). */
  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until /health/<until> answers 200. */
  async start(until: 'ready' | 'live' = 'ready'): Promise<void> {
    const main = path.join(root, 'dist/apps', this.options.name, 'src/main.js');
    if (!existsSync(main)) {
      throw new Error(
        `${main} is missing: build first (npm test builds; or run \`npm run build\`)`,
      );
    }
    if (this.running) throw new Error(`${this.options.name} on ${this.url} is already running`);
    this.output += `\n--- start ${new Date().toISOString()} ---\n`;
    this.child = spawn(process.execPath, ['--enable-source-maps', main], {
      cwd: root,
      env: {
        ...process.env,
        // As deployed: the services' heap bound (tools/service-runtime.json) unless set.
        NODE_OPTIONS: process.env['NODE_OPTIONS'] ?? serviceNodeOptions(),
        // Info unless the test asks for more (the secrets test reads every debug line); JSON
        // even if the shell running the tests exported LOG_FORMAT=pretty, as tests read lines.
        LOG_LEVEL: 'info',
        LOG_FORMAT: 'json',
        ...this.options.env,
        PORT: String(this.options.port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept in memory for failure messages, and in .local/test-logs for a look afterwards.
    mkdirSync(path.dirname(this.logFile), { recursive: true });
    const file = createWriteStream(this.logFile, { flags: 'a' });
    this.logWritten = new Promise((resolve) => file.once('close', () => resolve()));
    // 'close', not 'exit': the process's output pipes may still hold its last lines at exit.
    this.child.once('close', () => file.end());
    const keep = (chunk: Buffer) => {
      file.write(chunk);
      this.output = (this.output + chunk.toString()).slice(-200_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    const exited = new AbortController();
    this.child.once('exit', (code) =>
      exited.abort(new Error(`${this.options.name} exited with code ${code}`)),
    );
    try {
      await waitFor(
        `${this.options.name} to be ${until}`,
        async () => (await fetch(`${this.url}/health/${until}`)).status === 200,
        { timeoutMs: 60_000, intervalMs: 250, signal: exited.signal },
      );
    } catch (err) {
      throw new Error(
        `${(err as Error).message}\n--- ${this.options.name} output ---\n${this.output.slice(-5000)}`,
      );
    }
  }

  /** Resolves with the exit code once the process ends by itself (or is stopped). */
  exitCode(timeoutMs = 60_000): Promise<number> {
    const child = this.child;
    if (!child) return Promise.reject(new Error('not started'));
    if (child.exitCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.options.name} still running after ${timeoutMs} ms`)),
        timeoutMs,
      );
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });
  }

  /** Starts the process without waiting for it to become healthy. */
  spawnOnly(): void {
    void this.start('live').catch(() => undefined);
  }

  /** SIGTERM, as an orchestrator would, and wait for the graceful shutdown to finish. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    await this.logWritten;
  }

  /**
   * Sends `signal` and waits for the process to end: SIGKILL is a crash (no shutdown hook runs),
   * SIGTERM a graceful stop. Resolves with how the process ended and how long it took.
   */
  async kill(
    signal: 'SIGKILL' | 'SIGTERM',
  ): Promise<{ code: number | null; signal: string | null; tookMs: number }> {
    const child = this.child;
    if (!child || !this.running) throw new Error(`${this.options.name} is not running`);
    const started = Date.now();
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, sig) => resolve({ code, signal: sig })),
    );
    child.kill(signal);
    return { ...(await exited), tookMs: Date.now() - started };
  }
}

function serviceNodeOptions(): string {
  const file = path.join(root, 'tools/service-runtime.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { nodeOptions: string }).nodeOptions;
}
