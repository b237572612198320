import { counter, histogram } from '@switchyard/service';

/**
 * Webhook deliveries' outcomes, one count per attempt recorded (a delivery retried three times
 * counts `retrying` twice and then its last result) and per endpoint a filter ruled out.
 */
export const deliveriesTotal = counter(
  'switchyard_deliveries_total',
  'Delivery outcomes: succeeded, retrying (another attempt is scheduled), gave_up (retries ' +
    'exhausted), failed (not retried: a 4xx, 410 Gone or an unsafe destination), filtered ' +
    "(the endpoint's filter did not match); endpoint: the id of one listed in " +
    'METRICS_LABELLED_ENDPOINTS, else "other"',
  ['result', 'endpoint'],
);

export const attemptDuration = histogram(
  'switchyard_webhook_attempt_duration_seconds',
  "Time from sending a webhook to the partner's answer (or the error), by result",
  ['result'],
);

export const endpointsDisabledTotal = counter(
  'switchyard_endpoints_disabled_total',
  'Endpoints disabled by the service, by reason: gone (answered 410), failing (every attempt ' +
    'failed for the auto-disable period)',
  ['reason'],
);

export const replaysTotal = counter(
  'switchyard_replays_total',
  'Deliveries made due again by a replay, by kind: message, range, failed',
  ['kind'],
);
