import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PollingLoop, WakeUps } from '@switchyard/messaging';
import { logPollingLoopErrors, SERVICE_CONFIG } from '@switchyard/service';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { dueDeliveriesChannel } from '../delivery/delivery.repository';
import { type NotificationsConfig } from '../notifications-env';
import { REPLAY_BATCH } from './replay-batches';
import { stateAfterBatch } from './replay-job';
import { ReplayJobRepository } from './replay-job.repository';
import { replayJobsChannel } from './start-replay-job.usecase';

/** A job left waiting (nothing announced it here) is looked for this often. */
const POLL_MS = 5000;

/**
 * Works bulk replays, one batch per round, each in its own transaction holding the job's row:
 * any instance can take a job over after a crash (its batch rolled back), and a cancel lands
 * between batches. The delivery worker is woken for what each batch made due.
 */
@Injectable()
export class ReplayJobWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: PollingLoop;

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly dataSource: DataSource,
    private readonly jobs: ReplayJobRepository,
    private readonly wakeUps: WakeUps,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(ReplayJobWorker.name);
    this.loop = new PollingLoop({
      intervalMs: POLL_MS,
      work: () => this.runBatch(),
      wakeOn: {
        connectionString: config.DATABASE_URL,
        channel: replayJobsChannel(config.DB_SCHEMA),
        applicationName: `switchyard-replay-jobs:${config.DB_SCHEMA}`,
        wakeUps,
      },
      onError: logPollingLoopErrors(this.logger, 'replaying deliveries in bulk'),
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** One batch of the oldest running job nobody else is working; true when more may be due. */
  async runBatch(): Promise<boolean> {
    const made = await this.dataSource.transaction(async (db) => {
      const job = await this.jobs.lockRunning(db);
      if (!job) return undefined;
      const count = await this.jobs.replayBatch(job, REPLAY_BATCH, db);
      await this.jobs.advance(job.id, count, stateAfterBatch(job, count, REPLAY_BATCH), db);
      return count;
    });
    if (made === undefined) return false;
    if (made > 0) this.wakeUps.announce(dueDeliveriesChannel(this.config.DB_SCHEMA));
    return true;
  }
}
