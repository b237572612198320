import { RepositorySql } from './database/repository-sql';
import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WakeUps } from '@switchyard/messaging';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { DataSource, type MigrationInterface } from 'typeorm';
import { type CommonEnv } from './config/common-env';
import { dataSourceOptions, migrateUnderLock } from './database/database';
import { VacuumSettingsCheck } from './database/vacuum-settings.check';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { loggerParams, serviceLogger } from './logging/logger-options';
import { KafkaEventsServer } from './messaging/kafka-events.server';
import { MessagingRuntime } from './messaging/messaging.runtime';
import { type PartitionedTable } from './partitions/partition-bounds';
import { PartitionMaintenance } from './partitions/partition-maintenance.service';
import { TracingShutdown } from './tracing/tracing-shutdown';
import {
  EVENT_CONSUMER,
  PARTITIONED_TABLES,
  SERVICE_CONFIG,
  SERVICE_LOGGER,
  SERVICE_NAME,
} from './service-config.token';

export interface ServiceCoreOptions {
  readonly name: string;
  readonly config: CommonEnv;
  readonly migrations: readonly (new () => MigrationInterface)[];
  readonly entities?: readonly (new () => unknown)[];
  /** Tables partitioned by day and kept RETENTION_DAYS (the outbox and inbox among them). */
  readonly partitionedTables: readonly PartitionedTable[];
  /**
   * The name the service's `@EventPattern` handlers consume under: its consumer group is
   * `<clientId>.<consumer>` and its inbox rows carry it. Needed once a handler exists.
   */
  readonly consumer?: string;
}

/**
 * What every Switchyard service has: validated config, logs (JSON, or pretty on a terminal), its
 * Postgres schema with migrations run at start, time partitions and their retention, Kafka messaging (outbox relay,
 * consumers), health and metrics.
 */
@Module({})
export class ServiceCoreModule {
  static forRoot(options: ServiceCoreOptions): DynamicModule {
    const { config, name } = options;
    const logger = serviceLogger(name, config);
    return {
      module: ServiceCoreModule,
      global: true,
      imports: [
        LoggerModule.forRoot(loggerParams(logger)),
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config, options.migrations, options.entities),
          dataSourceFactory: async (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('No data source options');
            return migrateUnderLock(new DataSource(dataSourceOptions), config.DB_SCHEMA);
          },
        }),
        TerminusModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: name },
        { provide: SERVICE_LOGGER, useValue: logger },
        { provide: PARTITIONED_TABLES, useValue: options.partitionedTables },
        { provide: EVENT_CONSUMER, useValue: options.consumer ?? null },
        {
          provide: RepositorySql,
          useFactory: () => new RepositorySql(config.DB_SCHEMA),
        },
        { provide: WakeUps, useFactory: wakeUpsOf, inject: [DataSource, PinoLogger] },
        PartitionMaintenance,
        VacuumSettingsCheck,
        TracingShutdown,
        MessagingRuntime,
        KafkaEventsServer,
      ],
      exports: [
        SERVICE_CONFIG,
        RepositorySql,
        WakeUps,
        SERVICE_NAME,
        SERVICE_LOGGER,
        MessagingRuntime,
        KafkaEventsServer,
        PartitionMaintenance,
      ],
    };
  }
}

/** This instance's wake-ups: other instances are notified through the service's database. */
function wakeUpsOf(dataSource: DataSource, logger: PinoLogger): WakeUps {
  logger.setContext('wake-ups');
  return new WakeUps(
    (channel) => dataSource.query(`SELECT pg_notify($1, '')`, [channel]),
    (err, channel) =>
      logger.warn(
        { err, channel },
        'could not notify the other instances of new work; they find it at their next poll',
      ),
  );
}
