import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { ConfigError } from './config/config-error';
import { type CommonEnv } from './config/common-env';

const ONE_MEGABYTE = 1024 * 1024;

/** Starts a service on Fastify with raw bodies kept (signatures are checked on the raw bytes). */
export async function bootstrapService(
  module: DynamicModule,
  config: Pick<CommonEnv, 'PORT' | 'HOST'>,
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: ONE_MEGABYTE }),
    { rawBody: true, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
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
