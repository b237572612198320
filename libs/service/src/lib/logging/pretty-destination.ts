import { type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

interface HttpLine {
  context?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/**
 * pino-pretty as a stream in this process: every line is formatted and written whole before the
 * next (a worker-thread transport would interleave nothing either, but could lose the last lines
 * when the process exits). Synchronous, since it is for a person at a terminal, not for load.
 * Colour follows the terminal (FORCE_COLOR and NO_COLOR are honoured).
 * A line reads `[12:00:01.234] INFO (payments): [events] event handled {"eventId":…}`; a
 * request line reads `… WARN (payments): POST /webhooks/stripe 400 3ms request completed`.
 */
export function prettyDestination(
  destination: NodeJS.WritableStream | number = process.stdout.fd,
): DestinationStream {
  return pretty({
    destination,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context,req,res,responseTime',
    messageFormat: (log, messageKey) =>
      `${contextOf(log as HttpLine)}${httpSummary(log as HttpLine)}${String(log[messageKey])}`,
  });
}

function contextOf({ context }: HttpLine): string {
  return context === undefined ? '' : `[${context}] `;
}

function httpSummary({ req, res, responseTime }: HttpLine): string {
  if (!req) return '';
  const status = res?.statusCode === undefined ? '' : ` ${res.statusCode}`;
  const took = responseTime === undefined ? '' : ` ${responseTime}ms`;
  return `${req.method ?? ''} ${req.url ?? ''}${status}${took} `;
}
