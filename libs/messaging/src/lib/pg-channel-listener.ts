import { outageBackoffMs } from '@switchyard/retry';
import { Client } from 'pg';
import { quoteIdent } from './messaging-ddl';
import { sleepUnless } from './wakeable-sleep';

export interface PgChannelListenerOptions {
  readonly connectionString: string;
  /** The channel name, as pg_notify is called with it (an identifier: letters, digits, _). */
  readonly channel: string;
  readonly applicationName: string;
  /** Called on every notification, and after each (re)connection: work may have come meanwhile. */
  readonly onNotify: () => void;
  readonly onError?: (err: unknown) => void;
}

/**
 * A Postgres session that LISTENs on one channel, so work committed by another instance (a
 * `pg_notify` sent after its commit, see `WakeUps`) wakes this one at once instead of
 * at its next poll. It reconnects after the session drops, backing off while the database is
 * down; the poll stays as the backstop for what is said while it is away.
 */
export class PgChannelListener {
  private readonly stopped = new AbortController();
  private client: Client | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: PgChannelListenerOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.client?.end().catch(() => undefined);
    await this.loop;
  }

  private async run(): Promise<void> {
    for (let failures = 0; !this.stopped.signal.aborted;) {
      try {
        await this.listenUntilDropped();
        failures = 0;
      } catch (err) {
        failures++;
        if (!this.stopped.signal.aborted) this.options.onError?.(err);
      }
      await sleepUnless(failures === 0 ? 0 : outageBackoffMs(failures), this.stopped.signal);
    }
  }

  /** Connects, listens, and resolves when the session ends (or rejects if it cannot start). */
  private async listenUntilDropped(): Promise<void> {
    const client = new Client({
      connectionString: this.options.connectionString,
      application_name: this.options.applicationName,
    });
    const ended = new Promise<void>((resolve) => {
      client.on('error', (err) => {
        if (!this.stopped.signal.aborted) this.options.onError?.(err);
        resolve();
      });
      client.on('end', () => resolve());
    });
    client.on('notification', () => this.options.onNotify());
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${quoteIdent(this.options.channel)}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    this.options.onNotify();
    await ended;
    await client.end().catch(() => undefined);
  }
}
