import { pageResponseOf } from '@switchyard/service';
import { z } from 'zod';

/** One attempt to deliver a message to an endpoint. */
export const AttemptResponse = z.object({
  id: z.string().describe('A bigint, as text'),
  endpointId: z.uuid(),
  messageId: z.string(),
  attemptedAt: z.iso.datetime(),
  statusCode: z.number().int().nullable().describe("The endpoint's HTTP status; null: no answer"),
  latencyMs: z.number(),
  error: z.string().nullable(),
  responseBody: z.string().nullable().describe("The start of the endpoint's answer"),
  requestHeaders: z
    .record(z.string(), z.string())
    .nullable()
    .describe(
      'The headers sent (Standard Webhooks, content type, yours), credentials redacted; null for attempts made before they were recorded',
    ),
});
export type AttemptResponse = z.infer<typeof AttemptResponse>;

/** A page of attempts, newest first. */
export const AttemptPageResponse = pageResponseOf(AttemptResponse);
export type AttemptPageResponse = z.infer<typeof AttemptPageResponse>;
