import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { z } from 'zod';
import { MessagingRuntime } from '../messaging/messaging.runtime';
import { ANY_ROUTE_ERRORS } from '../openapi/api-error-cases';
import { ApiErrorResponse } from '../openapi/api-error.schema';
import { ApiRoute } from '../openapi/api-route.decorator';
import { LivenessResponse, ReadinessResponse } from './health.response';

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
  @ApiRoute({
    summary: 'The process is up and serving',
    response: { status: 200, description: 'Serving', schema: LivenessResponse },
    errors: ANY_ROUTE_ERRORS,
  })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Ready to work: Postgres and Kafka both answer. 503 with the failing part otherwise. */
  @Get('ready')
  // Terminus's own OpenAPI description would replace ours, which names our dependencies.
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiRoute({
    summary: 'Ready to work: Postgres and Kafka both answer',
    response: { status: 200, description: 'Both answer', schema: ReadinessResponse },
    otherResponses: [
      {
        status: 503,
        description:
          'A dependency does not answer (the report), or this instance is stopping (`shutting_down`)',
        schema: z.union([ReadinessResponse, ApiErrorResponse]),
      },
    ],
    errors: ANY_ROUTE_ERRORS.filter((e) => e.status === 500),
  })
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
