import { isDependencyFailure, outageBackoffMs } from '@switchyard/retry';
import { WakeableSleep } from './wakeable-sleep';

export interface PollingLoopOptions {
  /** Longest pause between rounds when nothing wakes the loop. */
  readonly intervalMs: number;
  /** One round of work; true when more is due at once, so the loop goes on without pausing. */
  readonly work: () => Promise<boolean>;
  /**
   * A round failed. `outage` says a dependency is unreachable (the database restarting, say):
   * the loop then backs off from a quarter second to a few seconds, and keeps trying until it
   * is back.
   */
  readonly onError: (err: unknown, info: { outage: boolean; waitMs: number }) => void;
}

/**
 * The one loop behind every background worker (outbox relay, Stripe processor, delivery
 * worker): a round of work, then a pause that new work can cut short; failures are reported and
 * waited out, never fatal, so a service rides out an outage without a restart.
 */
export class PollingLoop {
  private readonly pause = new WakeableSleep();
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly options: PollingLoopOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Ends the loop after the round in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  /** Starts the next round now, or as soon as the one in flight ends. */
  wake(): void {
    this.pause.wake();
  }

  private async run(): Promise<void> {
    let outages = 0;
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
