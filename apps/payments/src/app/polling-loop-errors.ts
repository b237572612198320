import { type PollingLoopOptions } from '@switchyard/messaging';
import { type PinoLogger } from 'nestjs-pino';

/**
 * How payments' background loops report a failed round: an outage as a warning, since the loop
 * waits it out and it ends by itself, anything else as an error.
 */
export function logPollingLoopErrors(
  logger: PinoLogger,
  work: string,
): PollingLoopOptions['onError'] {
  return (err, { outage, waitMs }) =>
    outage
      ? logger.warn({ err: String(err), waitMs }, `${work} waits for the database`)
      : logger.error({ err }, `${work} failed; retrying`);
}
