import { waitFor } from '@switchyard/testing';
import { WakeUps } from './wake-ups';

/** A notify function whose calls stay in flight until `release` is called. */
function heldNotifications() {
  const sent: string[] = [];
  const waiting: (() => void)[] = [];
  return {
    sent,
    notify: (channel: string) =>
      new Promise<void>((resolve) => {
        sent.push(channel);
        waiting.push(resolve);
      }),
    release: () => waiting.splice(0).forEach((resolve) => resolve()),
  };
}

describe('wake-ups: telling a worker that new work is committed', () => {
  it('wakes the workers of this instance that serve the channel, and notifies no other instance', () => {
    // Given a worker serving the channel
    const notifications = heldNotifications();
    const wakeUps = new WakeUps(notifications.notify);
    let woken = 0;
    wakeUps.serve('svc_work', () => woken++);

    // When work is announced on it
    wakeUps.announce('svc_work');

    // Then the worker is woken in the process, and nothing goes through Postgres
    expect(woken).toBe(1);
    expect(notifications.sent).toEqual([]);
  });

  it('notifies the other instances when no worker here serves the channel', () => {
    // Given a worker of this instance on another channel only
    const notifications = heldNotifications();
    const wakeUps = new WakeUps(notifications.notify);
    let woken = 0;
    wakeUps.serve('svc_other', () => woken++);

    // When work is announced on a channel nobody here serves
    wakeUps.announce('svc_work');

    // Then one notification goes out on it, and the other worker sleeps on
    expect(notifications.sent).toEqual(['svc_work']);
    expect(woken).toBe(0);
  });

  it('no longer wakes a worker once it has stopped serving the channel', () => {
    // Given a worker that served the channel and stopped
    const notifications = heldNotifications();
    const wakeUps = new WakeUps(notifications.notify);
    let woken = 0;
    const stop = wakeUps.serve('svc_work', () => woken++);
    stop();

    // When work is announced
    wakeUps.announce('svc_work');

    // Then the other instances are told instead
    expect(woken).toBe(0);
    expect(wakeUps.isServed('svc_work')).toBe(false);
    expect(notifications.sent).toEqual(['svc_work']);
  });

  it('folds the announces made while a notification is in flight into one more', async () => {
    // Given a notification in flight
    const notifications = heldNotifications();
    const wakeUps = new WakeUps(notifications.notify);
    wakeUps.announce('svc_work');

    // When five more announces come before it is answered
    for (let i = 0; i < 5; i++) wakeUps.announce('svc_work');
    expect(notifications.sent).toHaveLength(1);
    notifications.release();

    // Then one more notification follows, and after it nothing else
    await waitFor('the second notification', () => notifications.sent.length === 2);
    notifications.release();
    wakeUps.announce('svc_marker');
    await waitFor('the marker', () => notifications.sent.includes('svc_marker'));
    expect(notifications.sent).toEqual(['svc_work', 'svc_work', 'svc_marker']);
  });

  it('keeps notifying after an error report that throws', async () => {
    // Given a database that refuses the first notification, and a report that throws
    const sent: string[] = [];
    const wakeUps = new WakeUps(
      async (channel) => {
        sent.push(channel);
        if (sent.length === 1) throw new Error('connection refused');
      },
      () => {
        throw new Error('the logger failed');
      },
      0,
    );

    // When work is announced, and again once the first notification has failed
    wakeUps.announce('svc_work');
    await new Promise((resolve) => setImmediate(resolve));
    wakeUps.announce('svc_work');

    // Then the second announce is still sent
    await waitFor('the second notification', () => sent.length === 2);
  });

  it("spaces a channel's notifications, folding the announces in between into one, and sends at once after a quiet spell", async () => {
    // Given notifications spaced 50 ms apart, answered at once
    const sentAt: number[] = [];
    const wakeUps = new WakeUps(
      async () => {
        sentAt.push(performance.now());
      },
      undefined,
      50,
    );

    // When work is announced, then five times more right after the first is answered
    wakeUps.announce('svc_work');
    await waitFor('the first notification', () => sentAt.length === 1);
    for (let i = 0; i < 5; i++) wakeUps.announce('svc_work');

    // Then one more notification follows, about 50 ms after the first (timers run on a clock of
    // whole milliseconds), not at once
    await waitFor('the second notification', () => sentAt.length === 2);
    expect((sentAt[1] as number) - (sentAt[0] as number)).toBeGreaterThanOrEqual(45);

    // And after a quiet spell longer than the spacing (the five were folded into that one), an
    // announce is sent at once
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sentAt).toHaveLength(2);
    wakeUps.announce('svc_work');
    expect(sentAt).toHaveLength(3);
  });

  it('reports a notification that failed, and notifies again at the next announce', async () => {
    // Given a database that refuses the first notification
    const sent: string[] = [];
    const failures: string[] = [];
    const wakeUps = new WakeUps(
      async (channel) => {
        sent.push(channel);
        if (sent.length === 1) throw new Error('connection refused');
      },
      (err, channel) => failures.push(`${channel}: ${(err as Error).message}`),
    );

    // When work is announced twice, the second time after the first failed
    wakeUps.announce('svc_work');
    await waitFor('the failure reported', () => failures.length === 1);
    wakeUps.announce('svc_work');

    // Then the failure names the channel, and the second announce is sent
    await waitFor('the second notification', () => sent.length === 2);
    expect(failures).toEqual(['svc_work: connection refused']);
  });
});
