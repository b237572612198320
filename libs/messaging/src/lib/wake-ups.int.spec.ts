import { createTestDataSource, type TestDataSource, waitFor } from '@switchyard/testing';
import { CommitHooksSubscriber } from './database/commit-hooks';
import { PgChannelListener } from './pg-channel-listener';
import { WakeUps } from './wake-ups';

describe('wake-ups across a commit and across instances (real Postgres)', () => {
  let db: TestDataSource;
  let wakeUps: WakeUps;
  /** Another instance's worker, listening on the channel. */
  let listener: PgChannelListener;
  let heard = 0;

  beforeAll(async () => {
    db = await createTestDataSource('wake_ups', 'svc', [], [CommitHooksSubscriber]);
    wakeUps = new WakeUps((channel) => db.dataSource.query(`SELECT pg_notify($1, '')`, [channel]));
    listener = new PgChannelListener({
      connectionString: db.database.url,
      channel: 'svc_work',
      applicationName: 'wake-ups-test',
      onNotify: () => heard++,
    });
    listener.start();
    // (one call at connection: work may have come before it listened)
    await waitFor('the listener to connect', () => heard >= 1);
  });

  afterAll(async () => {
    await listener?.stop();
    await db?.close();
  });

  it('wakes a worker of this instance once the writing transaction commits, and never for one that rolls back', async () => {
    // Given a worker of this instance serving the channel
    const woken: string[] = [];
    const stop = wakeUps.serve('svc_work', () => woken.push('woken'));
    try {
      // When a transaction announces work and rolls back
      await db.dataSource
        .transaction(async (manager) => {
          wakeUps.announceAfterCommit(manager, 'svc_work');
          throw new Error('business rule failed');
        })
        .catch(() => undefined);

      // Then nobody is woken
      expect(woken).toEqual([]);

      // And when a transaction announces work and commits, the worker is woken after the commit
      let wokenBeforeCommit = true;
      await db.dataSource.transaction(async (manager) => {
        wakeUps.announceAfterCommit(manager, 'svc_work');
        await manager.query('SELECT 1');
        wokenBeforeCommit = woken.length > 0;
      });
      expect(wokenBeforeCommit).toBe(false);
      expect(woken).toEqual(['woken']);
    } finally {
      stop();
    }
  });

  it("tells another instance's worker through Postgres when none here serves the channel, and only then", async () => {
    // Given a worker of this instance serving the channel
    const before = heard;
    const stop = wakeUps.serve('svc_work', () => undefined);

    // When work is announced: this instance's worker takes it, no notification goes out
    await db.dataSource.transaction(async (manager) =>
      wakeUps.announceAfterCommit(manager, 'svc_work'),
    );

    // And when the worker has stopped and work is announced again
    stop();
    await db.dataSource.transaction(async (manager) =>
      wakeUps.announceAfterCommit(manager, 'svc_work'),
    );

    // Then the other instance hears that second announce, and it is the only one it heard
    await waitFor('the notification', () => heard > before);
    const marker = heard;
    await db.dataSource.query(`SELECT pg_notify('svc_work', '')`);
    await waitFor('a later marker', () => heard > marker);
    expect(heard - before).toBe(2);
  });

  it('refuses to announce inside a transaction its data source cannot follow to its commit', async () => {
    // Given a data source without CommitHooksSubscriber
    const untracked = await createTestDataSource('wake_ups_untracked', 'svc', []);
    try {
      // When a transaction on it announces work, Then it is refused, saying what to add
      await expect(
        untracked.dataSource.transaction(async (manager) =>
          wakeUps.announceAfterCommit(manager, 'svc_work'),
        ),
      ).rejects.toThrow(/CommitHooksSubscriber/);
    } finally {
      await untracked.close();
    }
  });
});
