import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';

/** A message (one event for one partner) and its delivery to each endpoint. */
export const MessageResponse = z.object({
  id: z.string().describe('msg_ and a UUID v7'),
  eventId: z.uuid(),
  eventType: z.string(),
  subject: z.string(),
  createdAt: z.iso.datetime(),
  deliveries: z.array(
    z.object({
      endpointId: z.uuid(),
      status: z.string().describe('pending, succeeded or failed'),
      attempts: z.number().int(),
      reason: z.string().nullable(),
    }),
  ),
});
export type MessageResponse = z.infer<typeof MessageResponse>;

/** A page of messages, newest first. */
export const MessagePageResponse = pageResponseOf(MessageResponse);
export type MessagePageResponse = z.infer<typeof MessagePageResponse>;
