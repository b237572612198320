import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { type CommonEnv } from '../config/common-env';
import { PARTITIONED_TABLES, SERVICE_CONFIG } from '../service-config.token';
import { type PartitionedTable } from './partition-bounds';
import { PartitionMaintainer, type TableMaintenance } from './partition-maintainer';

const INTERVAL_MS = 60 * 60_000;
/** Instances started together spread their runs instead of queueing on the lock each hour. */
const JITTER_MS = 10 * 60_000;

/**
 * Retention for the service's partitioned tables: one pass at start, before the service takes
 * any work (so today's rows find today's partition), then about hourly.
 */
@Injectable()
export class PartitionMaintenance
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly maintainer: PartitionMaintainer;
  private timer: NodeJS.Timeout | null = null;
  private current: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    dataSource: DataSource,
    @Inject(SERVICE_CONFIG) config: CommonEnv,
    @Inject(PARTITIONED_TABLES) tables: readonly PartitionedTable[],
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(PartitionMaintenance.name);
    this.maintainer = new PartitionMaintainer(dataSource, {
      schema: config.DB_SCHEMA,
      tables,
      retentionDays: config.RETENTION_DAYS,
      partitionDays: config.PARTITION_DAYS,
      logger: { info: (d, m) => logger.info(d, m), warn: (d, m) => logger.warn(d, m) },
    });
  }

  /** A failure here stops the boot: a service without today's partitions should not start. */
  async onModuleInit(): Promise<void> {
    await this.run();
  }

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.current.catch(() => undefined);
  }

  run(): Promise<TableMaintenance[]> {
    const run = this.maintainer.run();
    this.current = run;
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = INTERVAL_MS + Math.round((Math.random() * 2 - 1) * JITTER_MS);
    this.timer = setTimeout(() => {
      this.run()
        .catch((err: unknown) =>
          this.logger.error({ err }, 'partition maintenance failed; retrying at the next run'),
        )
        .finally(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
