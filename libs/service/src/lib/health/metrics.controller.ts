import { Controller, Get, Header } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { ANY_ROUTE_ERRORS } from '../openapi/api-error-cases';
import { ApiRoute } from '../openapi/api-route.decorator';
import { MetricsResponse } from './health.response';

let defaultMetricsStarted = false;

@Controller('metrics')
export class MetricsController {
  constructor() {
    if (!defaultMetricsStarted) {
      collectDefaultMetrics();
      defaultMetricsStarted = true;
    }
  }

  @Get()
  @Header('content-type', register.contentType)
  @ApiRoute({
    summary: "The process's metrics, for Prometheus to scrape",
    response: {
      status: 200,
      description: 'Prometheus text exposition format',
      schema: MetricsResponse,
      contentType: 'text/plain',
    },
    errors: ANY_ROUTE_ERRORS,
  })
  metrics(): Promise<string> {
    return register.metrics();
  }
}
