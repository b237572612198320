import { decodeCursor } from '@switchyard/service';
import { z } from 'zod';
import { MessageId } from '../messages/message-id';
import { type DeliveryStatus, type MessageFilter } from '../messages/message.repository';
import { consoleTime, optionalFilter, problemOf } from './console-form';

/** Messages per page of a log or a search. */
export const MESSAGE_PAGE = 50;

export const DELIVERY_STATUSES = [
  'pending',
  'succeeded',
  'failed',
] as const satisfies readonly DeliveryStatus[];

const FIELDS = ['partner', 'status', 'eventType', 'eventId', 'since', 'until', 'cursor'] as const;

const MessageQuery = z
  .object({
    partner: optionalFilter(z.uuid('must be a partner from the list')),
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
export type MessageQueryFields = Readonly<Record<(typeof FIELDS)[number], string>>;

export type MessageQueryResult =
  | {
      readonly ok: true;
      readonly fields: MessageQueryFields;
      readonly filter: MessageFilter & { readonly partnerId?: string };
    }
  | { readonly ok: false; readonly fields: MessageQueryFields; readonly problem: string };

/**
 * A message log's or search's URL query as a repository filter (one more row than a page), or
 * what is wrong with it. Only a search across partners reads `partner`: a partner's own log
 * takes its partner from the session, never from the address.
 */
export function parseMessageQuery(
  query: unknown,
  scope: 'partner' | 'across-partners',
): MessageQueryResult {
  const raw = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const fields = Object.fromEntries(
    FIELDS.map((name) => [
      name,
      (name !== 'partner' || scope === 'across-partners') && typeof raw[name] === 'string'
        ? raw[name]
        : '',
    ]),
  ) as MessageQueryFields;
  const parsed = MessageQuery.safeParse(fields);
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
      ...(q.partner && { partnerId: q.partner }),
      ...(q.status && { status: q.status }),
      ...(q.eventType && { eventType: q.eventType }),
      ...(q.eventId && { eventId: q.eventId }),
      ...(q.since && { since: q.since }),
      ...(q.until && { until: q.until }),
      limit: MESSAGE_PAGE + 1,
      beforeId,
    },
  };
}

/** The address of the next page: the same filters, from `cursor` on. */
export function nextMessagePageHref(
  path: string,
  fields: MessageQueryFields,
  cursor: string,
): string {
  const query = new URLSearchParams();
  for (const name of FIELDS) if (name !== 'cursor' && fields[name]) query.set(name, fields[name]);
  query.set('cursor', cursor);
  return `${path}?${query.toString()}`;
}

/** Whether any filter is set (a page says "no message matches" rather than "none yet"). */
export function filtered(fields: MessageQueryFields): boolean {
  return FIELDS.some((name) => name !== 'cursor' && fields[name] !== '');
}
