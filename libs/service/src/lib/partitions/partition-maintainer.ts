import { type DataSource, type QueryRunner } from 'typeorm';
import {
  DAYS_AHEAD,
  dayBound,
  dayOfPartitionName,
  dayPartition,
  planPartitions,
  retentionWindow,
  type PartitionedTable,
  type RetentionWindow,
} from './partition-bounds';
import {
  createDayPartitions,
  dropPartition,
  holdsRowsToKeep,
  listPartitions,
  lockForDrop,
  purgeDefaultBefore,
} from './partition-sql';

export interface MaintenanceLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface PartitionMaintainerOptions {
  readonly schema: string;
  readonly tables: readonly PartitionedTable[];
  readonly retentionDays: number;
  /** Days each new partition spans (`PARTITION_DAYS`); see `planPartitions`. */
  readonly partitionDays: number;
  readonly daysAhead?: number;
  /** How long a DDL statement waits for a table lock before this run gives up on that table. */
  readonly lockTimeoutMs?: number;
  readonly logger?: MaintenanceLogger;
}

export interface TableMaintenance {
  readonly table: string;
  readonly created: readonly string[];
  /** Rows moved from the default partition into partitions created by this run. */
  readonly moved: number;
  readonly dropped: readonly string[];
  /** Past the retention but kept: they still hold rows that must not be lost. */
  readonly kept: readonly string[];
  /** Rows older than the retention deleted from the default partition. */
  readonly purged: number;
  /** Why the expired partitions could not be dropped this time (they are retried next run). */
  readonly dropError?: string;
}

const silent: MaintenanceLogger = { info: () => undefined, warn: () => undefined };

/**
 * Keeps each partitioned table's partitions in line with the retention: creates partitions for the
 * days of the window, drops those wholly past it, purges old rows from the default partition. Runs hold
 * an advisory lock per schema, so instances take turns and a later one finds nothing left to do.
 */
export class PartitionMaintainer {
  private readonly logger: MaintenanceLogger;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: PartitionMaintainerOptions,
  ) {
    this.logger = options.logger ?? silent;
  }

  async run(now: Date = new Date()): Promise<TableMaintenance[]> {
    const window = retentionWindow(
      now,
      this.options.retentionDays,
      this.options.daysAhead ?? DAYS_AHEAD,
    );
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    const lockKey = `switchyard.partitions.${this.options.schema}`;
    try {
      await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
      try {
        const report: TableMaintenance[] = [];
        for (const table of this.options.tables) {
          report.push(await this.maintain(runner, table, window));
        }
        return report;
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  private async maintain(
    runner: QueryRunner,
    table: PartitionedTable,
    window: RetentionWindow,
  ): Promise<TableMaintenance> {
    const { schema } = this.options;
    const existing = await listPartitions(runner, schema, table.table, table.kind);
    const defaultPartition = existing.find((p) => p.isDefault)?.name;
    if (existing.length === 0) {
      throw new Error(`${schema}.${table.table} is not a partitioned table with partitions`);
    }
    // Every partition's days count as held; only the ones this module named are ever dropped.
    const ranges = existing.flatMap((p) =>
      p.days ? [{ ...p.days, name: p.name, ours: ourPartition(table, p.name) }] : [],
    );
    const plan = planPartitions(ranges, window, this.options.partitionDays);

    const created: string[] = [];
    let moved = 0;
    if (plan.create.length > 0) {
      const partitions = plan.create.map((r) => dayPartition(table, r.from, r.to));
      await this.inTransaction(runner, async () => {
        moved = await createDayPartitions(runner, schema, table, partitions, defaultPartition);
      });
      created.push(...partitions.map((p) => p.name));
    }

    const dropped: string[] = [];
    const kept: string[] = [];
    let dropError: string | undefined;
    const expired = plan.drop.filter((r) => r.ours).map((r) => r.name);
    if (expired.length > 0) {
      try {
        await this.inTransaction(runner, async () => {
          await lockForDrop(runner, schema, table);
          for (const name of expired) {
            if (await holdsRowsToKeep(runner, schema, table, name)) kept.push(name);
            else {
              await dropPartition(runner, schema, name);
              dropped.push(name);
            }
          }
        });
      } catch (err) {
        dropped.length = 0;
        kept.length = 0;
        dropError = (err as Error).message;
      }
    }

    const purged = defaultPartition
      ? await purgeDefaultBefore(
          runner,
          schema,
          table,
          defaultPartition,
          dayBound(table.kind, window.firstDay),
        )
      : 0;

    const result: TableMaintenance = {
      table: table.table,
      created,
      moved,
      dropped,
      kept,
      purged,
      ...(dropError ? { dropError } : {}),
    };
    this.log(result);
    return result;
  }

  private async inTransaction(runner: QueryRunner, work: () => Promise<void>): Promise<void> {
    await runner.startTransaction();
    try {
      // DDL waits for the table's lock behind running queries, and every new query waits behind
      // the DDL: give up soon rather than stall the service; the next run tries again.
      await runner.query(`SET LOCAL lock_timeout = ${Math.round(this.lockTimeoutMs)}`);
      await work();
      await runner.commitTransaction();
    } catch (err) {
      await runner.rollbackTransaction();
      throw err;
    }
  }

  private get lockTimeoutMs(): number {
    return this.options.lockTimeoutMs ?? 10_000;
  }

  private log(result: TableMaintenance): void {
    const details = { schema: this.options.schema, ...result };
    if (result.kept.length > 0) {
      this.logger.warn(
        details,
        `kept ${result.kept.join(', ')} past the retention: rows there are not done yet (for the outbox: unpublished events)`,
      );
    }
    if (result.dropError) {
      this.logger.warn(details, 'could not drop expired partitions; the next run tries again');
    }
    if (result.created.length + result.dropped.length + result.purged > 0) {
      this.logger.info(details, 'partitions maintained');
    }
  }
}

/** Whether this module made the partition (its name is the table's and a day's). */
function ourPartition(table: PartitionedTable, name: string): boolean {
  return dayOfPartitionName(table.table, name) !== undefined;
}
