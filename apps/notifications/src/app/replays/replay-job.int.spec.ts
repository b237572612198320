import { ScriptedReceiver, waitFor } from '@switchyard/testing';
import { SendExampleEventUseCase } from '../delivery/send-example-event.usecase';
import {
  type NotificationsTestApp,
  startNotificationsApp,
} from '../../testing/notifications-app.test-helper';
import { type ReplayFilter } from './replay-job';
import { ReplayJobRepository } from './replay-job.repository';
import { ReplayJobWorker } from './replay-job.worker';
import { StartReplayJobUseCase } from './start-replay-job.usecase';

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const inAMinute = () => new Date(Date.now() + 60_000).toISOString();

describe('bulk replays by filter (real Postgres and Kafka)', () => {
  let t: NotificationsTestApp;
  const receiver = new ScriptedReceiver();

  beforeAll(async () => {
    await receiver.start();
    // One attempt, then failed: a partner outage leaves failed deliveries behind.
    t = await startNotificationsApp('replay_jobs', {
      DELIVERY_RETRY_SCHEDULE: '0',
      DELIVERY_BREAKER_THRESHOLD: '1000',
    });
  });

  afterAll(async () => {
    await t?.close();
    await receiver.stop();
  });

  /** A partner with one endpoint at `path`, and `count` examples sent to it that failed. */
  async function partnerWithFailures(path: string, count: number) {
    receiver.always(path, { kind: 'status', status: 503 });
    const apiKey = await t.createPartner(path);
    const partnerId = (
      await t.dataSource.query(`SELECT id FROM notifications.partners WHERE name = $1`, [path])
    )[0].id as string;
    const endpoint = await t.createEndpoint(apiKey, { url: receiver.url(path) });
    const send = t.app.get(SendExampleEventUseCase);
    for (let i = 0; i < count; i++) await send.execute(partnerId, endpoint.id, 'order.paid');
    await waitFor(`${count} failed deliveries to ${path}`, async () => {
      const [{ n }] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM notifications.deliveries WHERE endpoint_id = $1 AND status = 'failed'`,
        [endpoint.id],
      );
      return n === count;
    });
    return { partnerId, endpointId: endpoint.id };
  }

  it('counts what a filter matches, then sends exactly that again, and nothing of other partners', async () => {
    // Given two partners whose endpoints were down: five failed deliveries and two
    const down = await partnerWithFailures('/down', 5);
    await partnerWithFailures('/other', 2);
    receiver.always('/down', { kind: 'status', status: 204 });
    const sentBefore = receiver.requestsTo('/down').length;
    const filter: ReplayFilter = {
      from: hourAgo(),
      to: inAMinute(),
      statuses: ['failed'],
      partnerId: down.partnerId,
    };

    // When an operator counts, then replays the first partner's failed deliveries
    const start = t.app.get(StartReplayJobUseCase);
    const counted = await start.dryRun(filter);
    const id = await start.execute(filter, 'ops@example.com');

    // Then the count was the five, the job makes those five due and ends, and they arrive
    expect(counted).toBe(5);
    const jobs = t.app.get(ReplayJobRepository);
    await waitFor('the replay to finish', async () => (await jobs.find(id))?.state === 'done');
    expect(await jobs.find(id)).toMatchObject({ total: 5, replayed: 5, state: 'done' });
    await waitFor(
      'the five to arrive again',
      () => receiver.requestsTo('/down').length === sentBefore + 5,
    );
    // And the other partner's failures were left alone
    expect(await start.dryRun({ ...filter, partnerId: undefined })).toBe(2);
  });

  it('stops a cancelled replay before its next batch, and no instance takes it up again', async () => {
    // Given a replay started while no worker runs (so it waits at its first batch)
    await partnerWithFailures('/cancelled', 3);
    const worker = t.app.get(ReplayJobWorker);
    await worker.beforeApplicationShutdown();
    const start = t.app.get(StartReplayJobUseCase);
    const id = await start.execute(
      { from: hourAgo(), to: inAMinute(), statuses: ['failed'] },
      'ops@example.com',
    );
    const jobs = t.app.get(ReplayJobRepository);

    // When the operator cancels it
    expect(await jobs.cancel(id)).toBe(true);

    // Then there is nothing left to work, its failed deliveries stay as they were
    expect(await worker.runBatch()).toBe(false);
    expect(await jobs.find(id)).toMatchObject({ state: 'cancelled', replayed: 0 });
    expect(await jobs.cancel(id)).toBe(false);
    expect(await start.dryRun({ from: hourAgo(), to: inAMinute(), statuses: ['failed'] })).toBe(
      (await jobs.find(id))?.total,
    );
  });
});
