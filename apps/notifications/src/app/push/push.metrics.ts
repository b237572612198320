import { counter } from '@switchyard/service';

/** Push attempts by platform and what the provider's answer meant. */
export const pushSendsTotal = counter(
  'switchyard_push_sends_total',
  'Push attempts by platform (apns, fcm) and result: sent, retry (tried again later), ' +
    'remove_device (the token is dead; the device was removed), failed (not retried)',
  ['platform', 'result'],
);

/**
 * Pushes a provider refused for a reason only an operator can fix: the APNs key or topic, the
 * FCM sender or credentials. Not per reason: the log line of each says which (bounded series).
 */
export const pushRefusedTotal = counter(
  'switchyard_push_refused_total',
  'Pushes refused for a reason an operator must fix (APNs key, team or topic; FCM sender id or ' +
    'third-party credentials), by platform; each is logged at error with its reason',
  ['platform'],
);
