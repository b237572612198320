import { counter } from '@switchyard/service';

/** Push attempts by platform and what the provider's answer meant. */
export const pushSendsTotal = counter(
  'switchyard_push_sends_total',
  'Push attempts by platform (apns, fcm) and result: sent, retry (tried again later), ' +
    'remove_device (the token is dead; the device was removed), failed (not retried)',
  ['platform', 'result'],
);
