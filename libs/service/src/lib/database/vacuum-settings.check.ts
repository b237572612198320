import {
  type BeforeApplicationShutdown,
  Injectable,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { gauge, releaseGauges } from '../health/metrics';
import { autovacuumRuns, readVacuumSettings, vacuumWarning } from './vacuum-settings';

/**
 * Tells the operator, once at start, when the Postgres server does not vacuum by itself (a
 * setting some test and CI machines carry), and keeps it visible as a gauge: a service runs
 * correctly without autovacuum, but its queue tables only grow slower to read.
 */
@Injectable()
export class VacuumSettingsCheck implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('database');
  }

  async onApplicationBootstrap(): Promise<void> {
    gauge(
      'switchyard_postgres_autovacuum_running',
      'Whether the Postgres server vacuums by itself (autovacuum and track_counts on): 1 or 0',
      [],
      async (g) => g.set(autovacuumRuns(await readVacuumSettings(this.dataSource)) ? 1 : 0),
      this,
    );
    try {
      const warning = vacuumWarning(await readVacuumSettings(this.dataSource));
      if (warning) this.logger.warn(warning);
    } catch (err) {
      // A database that does not answer is reported by the readiness check and the workers.
      this.logger.debug({ err }, 'could not read the vacuum settings');
    }
  }

  beforeApplicationShutdown(): void {
    releaseGauges(this);
  }
}
