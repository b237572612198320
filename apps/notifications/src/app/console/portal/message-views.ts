import { type AttemptResponse } from '../../attempts/attempt.response';
import { type Endpoint } from '../../endpoints/endpoint';
import { type MessageSummary } from '../../messages/message.repository';

/** What the portal's pages show of times: UTC to the second, the zone the filters take. */
export interface ShownTime {
  readonly iso: string;
  readonly text: string;
}

export function shownTime(at: Date | string): ShownTime {
  const iso = new Date(at).toISOString();
  return { iso, text: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` };
}

/** Endpoint ids to the URLs partners know them by; an unknown id is shown as itself. */
export type EndpointNames = (endpointId: string) => string;

export function endpointNames(endpoints: readonly Endpoint[]): EndpointNames {
  const urls = new Map(endpoints.map((e) => [e.id, e.url]));
  return (endpointId) => urls.get(endpointId) ?? endpointId;
}

export function messageView(message: MessageSummary, names: EndpointNames) {
  return {
    id: message.id,
    eventId: message.eventId,
    eventType: message.eventType,
    subject: message.subject,
    createdAt: shownTime(message.createdAt),
    deliveries: message.deliveries.map((d) => ({ ...d, endpointUrl: names(d.endpointId) })),
  };
}

export function attemptView(attempt: AttemptResponse, names: EndpointNames) {
  const ok = attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300;
  return {
    ...attempt,
    ok,
    endpointUrl: names(attempt.endpointId),
    attemptedAt: shownTime(attempt.attemptedAt),
  };
}

/** The event as sent, indented for reading; text that is not JSON is shown as it is. */
export function prettyPayload(payload: string): string {
  try {
    return JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    return payload;
  }
}
