import { decodeCursor, encodeCursor } from '@switchyard/service';
import { z } from 'zod';
import { MessageId } from '../../messages/message-id';
import { type DeliveryStatus, type MessageFilter } from '../../messages/message.repository';
import { consoleTime, optionalFilter, problemOf } from '../console-form';

export const MESSAGE_LOG_PAGE = 50;

export const DELIVERY_STATUSES = [
  'pending',
  'succeeded',
  'failed',
] as const satisfies readonly DeliveryStatus[];

const LogQuery = z
  .object({
    status: optionalFilter(z.enum(DELIVERY_STATUSES)),
    eventType: optionalFilter(z.string().max(100)),
    eventId: optionalFilter(z.uuid('must be an event id (a UUID)')),
    since: optionalFilter(consoleTime),
    until: optionalFilter(consoleTime),
    cursor: optionalFilter(z.string().max(500, 'must be a link from this page')),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, {
    message: 'must be before "until"',
    path: ['since'],
  });

/** The last message of a page: its id, which sorts by time (as the API's cursor). */
const MessageCursor = z.tuple([MessageId]);

/** The filters as the form shows them back: what was typed, valid or not. */
export type LogFields = Readonly<Record<keyof z.input<typeof LogQuery>, string>>;

export type LogQueryResult =
  | { readonly ok: true; readonly fields: LogFields; readonly filter: MessageFilter }
  | { readonly ok: false; readonly fields: LogFields; readonly problem: string };

function fieldsOf(query: unknown): LogFields {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const text = (name: string) => (typeof raw[name] === 'string' ? raw[name] : '');
  return {
    status: text('status'),
    eventType: text('eventType'),
    eventId: text('eventId'),
    since: text('since'),
    until: text('until'),
    cursor: text('cursor'),
  };
}

/** The message log's URL query as a repository filter (one more row than a page), or the problem. */
export function parseLogQuery(query: unknown): LogQueryResult {
  const fields = fieldsOf(query);
  const parsed = LogQuery.safeParse(query ?? {});
  if (!parsed.success) return { ok: false, fields, problem: problemOf(parsed.error) };
  const q = parsed.data;
  let beforeId: string | null = null;
  try {
    beforeId = q.cursor ? decodeCursor(q.cursor, MessageCursor)[0] : null;
  } catch {
    return { ok: false, fields, problem: 'cursor: must be a link from this page' };
  }
  return {
    ok: true,
    fields,
    filter: {
      ...(q.status && { status: q.status }),
      ...(q.eventType && { eventType: q.eventType }),
      ...(q.eventId && { eventId: q.eventId }),
      ...(q.since && { since: q.since }),
      ...(q.until && { until: q.until }),
      limit: MESSAGE_LOG_PAGE + 1,
      beforeId,
    },
  };
}

/** The link to the page after the one shown: the same filters, from the last message on. */
export function olderPageHref(fields: LogFields, lastMessageId: string): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (name !== 'cursor' && value !== '') query.set(name, value);
  }
  query.set('cursor', encodeCursor([lastMessageId]));
  return `/portal/messages?${query.toString()}`;
}
