import { type EntityManager } from 'typeorm';
import { afterCommit } from './database/commit-hooks';

/** The least time between two notifications on one channel from one instance. */
export const NOTIFY_SPACING_MS = 10;

/** Sends one Postgres notification on `channel` (`SELECT pg_notify(channel, '')`), on its own. */
export type NotifyChannel = (channel: string) => Promise<unknown>;

/**
 * Tells the worker that takes work from a channel (a polling loop's `wakeOn` channel) that new
 * work is committed, so it starts now rather than at its next poll. A worker of this instance
 * that serves the channel is woken in the process; only when none does are the other instances
 * told, with a `pg_notify` sent after the commit: at most one in flight per channel, and one
 * per `NOTIFY_SPACING_MS` (announces meanwhile are folded into one more). An intake-only
 * instance storing 1,100 Stripe events a second sent a notification for every third of them,
 * each a round trip and a wake-up of every listening session; spaced, it sends at most 100 a
 * second, and another instance learns of work at most that much later than it could.
 *
 * Why not `pg_notify` inside the writing statement, as this used to be: Postgres serialises the
 * commits of all transactions that notify, cluster-wide (a lock held from before the commit
 * until after its WAL flush, so that notifications are queued in commit order). With 10 clients
 * inserting one row each, that took commits from about 7,600 to 1,900 per second on this
 * project's machines, and every notification also woke each listening session of the database.
 */
export class WakeUps {
  private readonly servers = new Map<string, Set<() => void>>();
  private readonly notifying = new Map<string, { again: boolean }>();
  /** When each channel's last notification was sent (`performance.now()`). */
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly notify: NotifyChannel,
    /** A notification failed: the other instances find the work at their next poll instead. */
    private readonly onNotifyError: (err: unknown, channel: string) => void = () => undefined,
    private readonly spacingMs: number = NOTIFY_SPACING_MS,
  ) {}

  /**
   * Registers a worker of this instance that takes the channel's work and can be woken by
   * calling `wake`, for as long as it runs; answers the call that ends that.
   */
  serve(channel: string, wake: () => void): () => void {
    let wakes = this.servers.get(channel);
    if (!wakes) this.servers.set(channel, (wakes = new Set()));
    const own = (): void => wake();
    wakes.add(own);
    return () => {
      wakes.delete(own);
    };
  }

  /** Whether a worker of this instance takes the channel's work now. */
  isServed(channel: string): boolean {
    return (this.servers.get(channel)?.size ?? 0) > 0;
  }

  /** New work on `channel` is committed: wakes who takes it. */
  announce(channel: string): void {
    const wakes = this.servers.get(channel);
    if (wakes && wakes.size > 0) {
      for (const wake of wakes) wake();
      return;
    }
    this.notifyOthers(channel);
  }

  /**
   * Announces once the transaction `db` belongs to commits, and never if it rolls back: woken
   * before the commit, a worker would find nothing and go back to sleep until its poll. Outside
   * a transaction the statement has committed already, and it announces at once.
   */
  announceAfterCommit(db: EntityManager, channel: string): void {
    afterCommit(db, () => this.announce(channel));
  }

  private notifyOthers(channel: string): void {
    const pending = this.notifying.get(channel);
    if (pending) {
      pending.again = true;
      return;
    }
    const state = { again: true };
    this.notifying.set(channel, state);
    void this.notifyWhileAnnounced(channel, state);
  }

  /** A report that throws must not leave the channel marked in flight, silencing it for good. */
  private reportNotifyError(err: unknown, channel: string): void {
    try {
      this.onNotifyError(err, channel);
    } catch {
      // Nothing left to tell: the other instances find the work at their next poll.
    }
  }

  /** Sends at once when the channel's last notification is `spacingMs` old, else waits for it. */
  private async notifyWhileAnnounced(channel: string, state: { again: boolean }): Promise<void> {
    while (state.again) {
      const wait = (this.lastSent.get(channel) ?? -Infinity) + this.spacingMs - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)).unref());
      state.again = false;
      this.lastSent.set(channel, performance.now());
      try {
        await this.notify(channel);
      } catch (err) {
        this.reportNotifyError(err, channel);
      }
    }
    this.notifying.delete(channel);
  }
}
