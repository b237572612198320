import { isDependencyFailure, outageBackoffMs } from '@switchyard/retry';
import { PgChannelListener } from './pg-channel-listener';
import { WakeableSleep } from './wakeable-sleep';
import { type WakeUps } from './wake-ups';

export interface PollingLoopOptions {
  /** Longest pause between rounds when nothing wakes the loop. */
  readonly intervalMs: number;
  /** One round of work; true when more is due at once, so the loop goes on without pausing. */
  readonly work: () => Promise<boolean>;
  /** Pause before the first round too (a periodic job that need not run at start). */
  readonly pauseFirst?: boolean;
  /**
   * A round failed. `outage` says a dependency is unreachable (the database restarting, say):
   * the loop then backs off from a quarter second to a few seconds, and keeps trying until it
   * is back.
   */
  readonly onError: (err: unknown, info: { outage: boolean; waitMs: number }) => void;
  /**
   * The channel new work is announced on (`WakeUps.announce`, after the writing commit): while
   * it runs, the loop serves the channel in `wakeUps`, so this instance's writers wake it in the
   * process, and it LISTENs for other instances' notifications. The listener's connection
   * problems are reported through `onError`; the poll carries on meanwhile.
   */
  readonly wakeOn?: {
    connectionString: string;
    channel: string;
    applicationName: string;
    wakeUps: WakeUps;
  };
}

/**
 * The one loop behind every background worker (outbox relay, Stripe processor, delivery
 * worker): a round of work, then a pause that new work can cut short; failures are reported and
 * waited out, never fatal, so a service rides out an outage without a restart.
 */
export class PollingLoop {
  private readonly pause = new WakeableSleep();
  private readonly listener: PgChannelListener | null;
  private running = false;
  private loop: Promise<void> | null = null;
  private unserve: (() => void) | null = null;

  constructor(private readonly options: PollingLoopOptions) {
    const wakeOn = options.wakeOn;
    this.listener = wakeOn
      ? new PgChannelListener({
          ...wakeOn,
          onNotify: () => this.wake(),
          onError: (err) => options.onError(err, { outage: isDependencyFailure(err), waitMs: 0 }),
        })
      : null;
  }

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.listener?.start();
    const wakeOn = this.options.wakeOn;
    if (wakeOn) this.unserve = wakeOn.wakeUps.serve(wakeOn.channel, () => this.wake());
  }

  /** Ends the loop after the round in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.unserve?.();
    this.unserve = null;
    this.pause.wake();
    await this.listener?.stop();
    await this.loop;
  }

  /** Starts the next round now, or as soon as the one in flight ends. */
  wake(): void {
    this.pause.wake();
  }

  private async run(): Promise<void> {
    let outages = 0;
    if (this.options.pauseFirst) await this.pause.sleep(this.options.intervalMs);
    while (this.running) {
      let waitMs = this.options.intervalMs;
      try {
        const more = await this.options.work();
        outages = 0;
        if (more) continue;
      } catch (err) {
        const outage = isDependencyFailure(err);
        outages = outage ? outages + 1 : 0;
        if (outage) waitMs = outageBackoffMs(outages);
        this.options.onError(err, { outage, waitMs });
      }
      if (this.running) await this.pause.sleep(waitMs);
    }
  }
}
