import { type PinoLogger } from 'nestjs-pino';

/**
 * How every background loop reports a failed round: an outage as a warning, since the loop waits
 * it out and it ends by itself, anything else as an error. `waits` says what waits meanwhile.
 */
export function logPollingLoopErrors(
  logger: PinoLogger,
  work: string,
  waits = `${work} waits for the database`,
): (err: unknown, info?: { outage: boolean; waitMs: number }) => void {
  return (err, info) =>
    info?.outage
      ? logger.warn({ err: String(err), waitMs: info.waitMs }, waits)
      : logger.error({ err }, `${work} failed; retrying`);
}
