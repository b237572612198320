import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { MessagingRuntime } from '../messaging/messaging.runtime';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly messaging: MessagingRuntime,
  ) {}

  /** The process is up and serving; says nothing about its dependencies. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to work: Postgres and Kafka both answer. 503 with the failing part otherwise. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      async () => {
        const kafka = this.indicators.check('kafka');
        try {
          await this.messaging.checkKafka();
          return kafka.up();
        } catch (err) {
          return kafka.down({ message: (err as Error).message });
        }
      },
    ]);
  }
}
