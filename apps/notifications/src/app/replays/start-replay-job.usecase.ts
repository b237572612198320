import { Inject, Injectable } from '@nestjs/common';
import { WakeUps } from '@switchyard/messaging';
import { SERVICE_CONFIG } from '@switchyard/service';
import { randomUUID } from 'node:crypto';
import { type NotificationsConfig } from '../notifications-env';
import { type ReplayFilter } from './replay-job';
import { ReplayJobRepository } from './replay-job.repository';

/** The channel a new bulk replay is announced on, so a worker of any instance starts it. */
export function replayJobsChannel(schema: string): string {
  return `${schema}_replay_jobs`;
}

/**
 * A bulk replay: the job is stored with the count of what its filter matches as it starts (the
 * operator saw that count in the dry run, give or take what settled since); ReplayJobWorker makes them due a batch at a time.
 */
@Injectable()
export class StartReplayJobUseCase {
  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationsConfig,
    private readonly jobs: ReplayJobRepository,
    private readonly wakeUps: WakeUps,
  ) {}

  dryRun(filter: ReplayFilter): Promise<number> {
    return this.jobs.count(filter);
  }

  async execute(filter: ReplayFilter, createdBy: string): Promise<string> {
    const id = randomUUID();
    await this.jobs.add({ id, filter, createdBy });
    this.wakeUps.announce(replayJobsChannel(this.config.DB_SCHEMA));
    return id;
  }
}
