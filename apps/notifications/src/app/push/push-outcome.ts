/**
 * What a push provider's answer means, the same for APNs and FCM: the send succeeded, the device
 * token is dead, the send may succeed later, or it failed for good. The delivery machinery acts
 * on it (records the attempt, removes the device, schedules a retry); the clients only classify.
 */
export type PushOutcome =
  | {
      readonly kind: 'sent';
      readonly statusCode: number;
      /** The provider's id for the notification (`apns-id`, or the FCM message name). */
      readonly providerId: string | null;
    }
  | {
      /** The token no longer reaches the app: remove the device. */
      readonly kind: 'remove_device';
      readonly statusCode: number;
      /** The provider's reason (`Unregistered`, `BadDeviceToken`, `UNREGISTERED`...). */
      readonly reason: string;
      /**
       * APNs 410: when Apple last knew the token valid. Only a device registered before it is
       * removed (it may have registered the same token again since). Null: remove it now.
       */
      readonly unregisteredAt: Date | null;
    }
  | {
      /** Worth trying again later (429, 5xx, the connection lost twice). */
      readonly kind: 'retry';
      readonly statusCode: number | null;
      readonly reason: string;
      /** The provider's `retry-after`, in ms, when it gave one. */
      readonly retryAfterMs: number | null;
      /** The least delay before the next try (FCM quota: a minute), whatever the schedule says. */
      readonly minDelayMs: number;
    }
  | {
      /** Recorded and not retried. */
      readonly kind: 'failed';
      readonly statusCode: number | null;
      readonly reason: string;
      /** An operator must act (credentials, sender or project mismatch): alerting, not just logged. */
      readonly alert: boolean;
    };

/** Worth another try on the push schedule, with no retry-after from the provider. */
export function retryLater(reason: string, statusCode: number | null = null): PushOutcome {
  return { kind: 'retry', statusCode, reason, retryAfterMs: null, minDelayMs: 0 };
}

/** Over without an answer from the provider: refused before sending, not worth another try. */
export function failedUnsent(reason: string): PushOutcome {
  return { kind: 'failed', statusCode: null, reason, alert: false };
}
