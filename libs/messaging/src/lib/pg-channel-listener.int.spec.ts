import { createTestDataSource, type TestDataSource, waitFor } from '@switchyard/testing';
import { PgChannelListener } from './pg-channel-listener';

describe('listening on a Postgres channel (real Postgres)', () => {
  let db: TestDataSource;
  let listener: PgChannelListener;
  let notified = 0;

  beforeAll(async () => {
    db = await createTestDataSource('listener', 'svc', []);
    listener = new PgChannelListener({
      connectionString: db.database.url,
      channel: 'svc_work',
      applicationName: 'listener-test',
      onNotify: () => notified++,
    });
    listener.start();
    // (one call at connection: work may have come before it listened)
    await waitFor('the listener to connect', () => notified >= 1);
  });

  afterAll(async () => {
    await listener?.stop();
    await db?.close();
  });

  it('wakes when another session commits a notification', async () => {
    // Given a transaction that notifies
    const before = notified;
    await db.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_notify('svc_work', '')`);
    });

    // Then, once it committed, the listener is woken
    await waitFor('the notification', () => notified > before);
  });

  it('listens again after its session is cut, and says so', async () => {
    // Given the listening session killed from the server side
    const before = notified;
    await db.dataSource.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'listener-test'`,
    );
    await waitFor('the listener to reconnect', () => notified > before);

    // When a notification comes afterwards
    const reconnected = notified;
    await db.dataSource.query(`SELECT pg_notify('svc_work', '')`);

    // Then it is heard
    await waitFor('the notification after the reconnection', () => notified > reconnected);
  });
});
