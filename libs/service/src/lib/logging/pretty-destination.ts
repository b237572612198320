import { type DestinationStream } from 'pino';
import pretty from 'pino-pretty';

interface HttpLine {
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

/**
 * pino-pretty as a stream in this process: every line is formatted and written whole before the
 * next (a worker-thread transport would interleave nothing either, but could lose the last lines
 * when the process exits). Synchronous, since it is for a person at a terminal, not for load.
 * A line reads `12:00:01.234 INFO (payments): Stripe event received {"stripeEventId":…}`; a
 * request line reads `POST /webhooks/stripe 400 3ms request completed`.
 */
export function prettyDestination(): DestinationStream {
  return pretty({
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,req,res,responseTime',
    messageFormat: (log, messageKey) => `${httpSummary(log as HttpLine)}${String(log[messageKey])}`,
  });
}

function httpSummary({ req, res, responseTime }: HttpLine): string {
  if (!req) return '';
  const status = res?.statusCode === undefined ? '' : ` ${res.statusCode}`;
  const took = responseTime === undefined ? '' : ` ${responseTime}ms`;
  return `${req.method ?? ''} ${req.url ?? ''}${status}${took} `;
}
