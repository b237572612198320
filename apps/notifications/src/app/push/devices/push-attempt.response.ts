import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';
import { type Attempt } from '../../attempts/attempt.repository';

/** One push to a device and what the provider answered. */
export const PushAttemptResponse = z.object({
  id: z.string().describe('A bigint, as text'),
  deviceId: z.uuid(),
  customerId: z.string(),
  eventId: z.uuid(),
  attemptedAt: z.iso.datetime(),
  statusCode: z.number().int().nullable().describe("The provider's HTTP status; null: no answer"),
  latencyMs: z.number(),
  error: z.string().nullable().describe("The provider's reason (Unregistered, QUOTA_EXCEEDED…)"),
  notification: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The notification as rendered for the device; null when none was sent'),
});
export type PushAttemptResponse = z.infer<typeof PushAttemptResponse>;

/** A page of push attempts, newest first. */
export const PushAttemptPageResponse = pageResponseOf(PushAttemptResponse);
export type PushAttemptPageResponse = z.infer<typeof PushAttemptPageResponse>;

/** A push's attempt as the API shows it; the attempt's stored request is the notification sent. */
export function pushAttemptView(attempt: Attempt): PushAttemptResponse {
  if (attempt.deviceId === null || attempt.customerId === null) {
    throw new Error(`attempt ${attempt.id} is a webhook's, not a push's`);
  }
  return {
    id: attempt.id,
    deviceId: attempt.deviceId,
    customerId: attempt.customerId,
    eventId: attempt.eventId,
    attemptedAt: attempt.attemptedAt.toISOString(),
    statusCode: attempt.statusCode,
    latencyMs: attempt.latencyMs,
    error: attempt.error,
    notification: notificationOf(attempt.responseBody),
  };
}

function notificationOf(stored: string | null): Record<string, unknown> | null {
  if (stored === null) return null;
  try {
    return JSON.parse(stored) as Record<string, unknown>;
  } catch {
    // Cut at the attempt log's limit: show what there is rather than nothing.
    return { truncated: stored };
  }
}
