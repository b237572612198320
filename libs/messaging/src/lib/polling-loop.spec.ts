import { waitFor } from '@switchyard/testing';
import { PollingLoop } from './polling-loop';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

describe('the polling loop behind every background worker', () => {
  it('goes on at once while a round says more work is due, then pauses', async () => {
    // Given work that has three rounds due, then nothing
    let rounds = 0;
    const loop = new PollingLoop({
      intervalMs: 60_000,
      work: async () => ++rounds < 3,
      onError: () => undefined,
    });

    // When the loop starts
    loop.start();

    // Then it runs the three rounds back to back and waits for the next wake-up
    await waitFor('three rounds', () => rounds === 3);
    loop.wake();
    await waitFor('a fourth round after the wake-up', () => rounds === 4);
    await loop.stop();
  });

  it('rides out an outage: keeps trying with a growing pause, reports it as one, and recovers', async () => {
    // Given a database that refuses connections for four rounds
    let rounds = 0;
    const reports: { outage: boolean; waitMs: number }[] = [];
    const loop = new PollingLoop({
      intervalMs: 60_000,
      work: async () => {
        rounds++;
        if (rounds <= 4) throw refused();
        return false;
      },
      onError: (_err, info) => reports.push(info),
    });

    // When the loop runs through it
    loop.start();
    await waitFor('a round after the outage', () => rounds === 5, { timeoutMs: 10_000 });
    await loop.stop();

    // Then every failure was reported as an outage, each pause longer than the last
    expect(reports.map((r) => r.outage)).toEqual([true, true, true, true]);
    const waits = reports.map((r) => r.waitMs);
    expect(waits[3]).toBeGreaterThan(waits[0] as number);
  });

  it('reports a failure that is not an outage as such, and waits the normal interval', async () => {
    // Given a round that fails with a bug, not an outage
    const reports: { outage: boolean; waitMs: number }[] = [];
    const loop = new PollingLoop({
      intervalMs: 30,
      work: async () => {
        throw new TypeError('a bug');
      },
      onError: (_err, info) => reports.push(info),
    });

    // When it runs
    loop.start();
    await waitFor('two failed rounds', () => reports.length >= 2);
    await loop.stop();

    // Then each failure is reported, not as an outage, with the normal pause
    expect(reports[0]).toEqual({ outage: false, waitMs: 30 });
  });

  it('finishes the round in flight when stopped, and starts no other', async () => {
    // Given a slow round in flight
    let finished = 0;
    let release: () => void = () => undefined;
    const loop = new PollingLoop({
      intervalMs: 10,
      work: () =>
        new Promise<boolean>((resolve) => {
          release = () => {
            finished++;
            resolve(true);
          };
        }),
      onError: () => undefined,
    });
    loop.start();

    // When the loop is stopped during it
    const stopped = loop.stop();
    release();
    await stopped;

    // Then that round completed and no new one started
    expect(finished).toBe(1);
    expect(loop.isRunning).toBe(false);
  });

  it('with pauseFirst, waits an interval (or a wake-up) before its first round', async () => {
    // Given a periodic job that need not run at start, and a marker job started with it
    let rounds = 0;
    let markerRounds = 0;
    const loop = new PollingLoop({
      intervalMs: 60_000,
      pauseFirst: true,
      work: async () => {
        rounds++;
        return false;
      },
      onError: () => undefined,
    });
    const marker = new PollingLoop({
      intervalMs: 60_000,
      work: async () => {
        markerRounds++;
        return false;
      },
      onError: () => undefined,
    });

    // When both start
    loop.start();
    marker.start();

    // Then the marker's first round ran while the paused loop has not begun
    await waitFor('the marker round', () => markerRounds === 1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(rounds).toBe(0);
    // And a wake-up starts it
    loop.wake();
    await waitFor('the first round after the wake-up', () => rounds === 1);
    await Promise.all([loop.stop(), marker.stop()]);
  });
});
