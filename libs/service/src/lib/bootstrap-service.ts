import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ConfigError } from './config/config-error';
import { type CommonEnv } from './config/common-env';
import { ApiExceptionFilter } from './http/api-exception.filter';
import { answerFrameworkError } from './http/framework-errors';
import { recordHttpMetrics } from './http/http.metrics';
import { registerJsonBodyParser } from './http/json-body';
import { KafkaEventsServer } from './messaging/kafka-events.server';
import { refuseWhileClosing } from './http/refuse-while-closing';
import { openApiDocumentOf } from './openapi/openapi-document';
import { logRequests } from './logging/request-log';
import { SERVICE_LOGGER, SERVICE_NAME } from './service-config.token';
import { applyHeapGrowth } from './runtime/heap-growth';

const ONE_MEGABYTE = 1024 * 1024;

/** A service on Fastify, raw bodies kept (signatures are checked on the raw bytes), not listening. */
export async function createServiceApp(module: DynamicModule): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    // Fastify's own answers while closing and to malformed URLs are not our error shape:
    // refuseWhileClosing and answerFrameworkError give ours.
    new FastifyAdapter({
      bodyLimit: ONE_MEGABYTE,
      return503OnClosing: false,
      frameworkErrors: answerFrameworkError,
    }),
    { bufferLogs: true, bodyParser: false },
  );
  registerJsonBodyParser(app.getHttpAdapter().getInstance(), ONE_MEGABYTE);
  refuseWhileClosing(app.getHttpAdapter().getInstance());
  recordHttpMetrics(app.getHttpAdapter().getInstance());
  logRequests(app.getHttpAdapter().getInstance(), app.get(SERVICE_LOGGER));
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ApiExceptionFilter());
  // Kafka events reach `@EventPattern` handlers through our transport; it consumes in the
  // background once the app has started, so a broker that is down does not stop the boot.
  app.connectMicroservice({ strategy: app.get(KafkaEventsServer) });
  await app.startAllMicroservices();
  app.enableShutdownHooks();
  const name = app.get<string>(SERVICE_NAME);
  SwaggerModule.setup('docs', app, openApiDocumentOf(app, name), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  return app;
}

/** Creates the service and listens on PORT and HOST. */
export async function bootstrapService(
  module: DynamicModule,
  config: Pick<CommonEnv, 'PORT' | 'HOST' | 'HEAP_GROWING_PERCENT'>,
): Promise<NestFastifyApplication> {
  applyHeapGrowth(config.HEAP_GROWING_PERCENT);
  const app = await createServiceApp(module);
  await app.listen(config.PORT, config.HOST);
  return app;
}

/** Runs `main`; a configuration error prints what to fix and exits 1 without a stack trace. */
export function runService(main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
    } else {
      process.stderr.write(`Service failed to start: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exit(1);
  });
}
