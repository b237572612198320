import { decodeCursor } from '@switchyard/service';
import { z } from 'zod';
import { MessageId } from '../../messages/message-id';
import { type MessageFilter } from '../../messages/message.repository';
import { DELIVERY_STATUSES } from '../portal/message-log-query';
import { consoleTime, optionalFilter, problemOf } from '../console-form';

export const MESSAGE_SEARCH_PAGE = 50;

const SearchQuery = z
  .object({
    eventId: optionalFilter(z.uuid('must be an event id (a UUID)')),
    partner: optionalFilter(z.uuid('must be a partner from the list')),
    type: optionalFilter(z.string().max(100)),
    status: optionalFilter(z.enum(DELIVERY_STATUSES)),
    since: optionalFilter(consoleTime),
    until: optionalFilter(consoleTime),
    cursor: optionalFilter(z.string().max(500, 'must be a link from this page')),
  })
  .refine((q) => !q.since || !q.until || q.since < q.until, {
    message: 'must be before "until"',
    path: ['since'],
  });

/** The last message of a page: its id, which sorts by time (the API's cursor). */
const MessageCursor = z.tuple([MessageId]);

const FIELDS = ['eventId', 'partner', 'type', 'status', 'since', 'until'] as const;

/** The search as typed, for the form to show back and the next page's address to carry. */
export type SearchFields = Readonly<Record<(typeof FIELDS)[number], string>>;

export type MessageSearch =
  | {
      readonly ok: true;
      readonly fields: SearchFields;
      readonly filter: MessageFilter & { readonly partnerId?: string };
    }
  | { readonly ok: false; readonly fields: SearchFields; readonly problem: string };

/** The search an address asks for; a bad cursor is the API's 400 `invalid_cursor`. */
export function messageSearchOf(query: Record<string, unknown>): MessageSearch {
  const fields = Object.fromEntries(
    FIELDS.map((name) => [name, typeof query[name] === 'string' ? query[name] : '']),
  ) as SearchFields;
  const parsed = SearchQuery.safeParse(query);
  if (!parsed.success) return { ok: false, fields, problem: problemOf(parsed.error) };
  const q = parsed.data;
  return {
    ok: true,
    fields,
    filter: {
      ...(q.partner && { partnerId: q.partner }),
      ...(q.eventId && { eventId: q.eventId }),
      ...(q.type && { eventType: q.type }),
      ...(q.status && { status: q.status }),
      ...(q.since && { since: q.since }),
      ...(q.until && { until: q.until }),
      limit: MESSAGE_SEARCH_PAGE + 1,
      beforeId: q.cursor ? decodeCursor(q.cursor, MessageCursor)[0] : null,
    },
  };
}

/** The address of the search's next page. */
export function nextSearchUrl(fields: SearchFields, cursor: string): string {
  const query = new URLSearchParams();
  for (const name of FIELDS) if (fields[name]) query.set(name, fields[name]);
  query.set('cursor', cursor);
  return `/console/messages?${query.toString()}`;
}
