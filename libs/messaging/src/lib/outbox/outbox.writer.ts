import { type DomainEvent, topicOf } from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { writeTogether, type WritePart } from '../database/write-together';
import { outboxChannel, quoteIdent } from '../messaging-ddl';
import { type WakeUps } from '../wake-ups';

/** The outbox append as parts of a caller's own statement (see `outboxAppendSql`). */
export interface OutboxAppendSql {
  /** `INSERT INTO <schema>.outbox … RETURNING 1`, to run as a data-modifying CTE. */
  readonly insert: string;
  /** The statement's parameters from `firstParam` on, in order. */
  readonly params: readonly unknown[];
}

/**
 * The outbox rows of `events` as a CTE of the caller's statement, so a state change and its
 * events are written in one statement, hence one round trip and, alone, one implicit
 * transaction. Rows take their positions in the order given. `onlyIf` is a SQL condition on the
 * statement's other CTEs (the events are written only when it holds). When it wrote rows, the
 * caller wakes the relay with `announceOutbox`.
 */
export function outboxAppendSql(
  schema: string,
  events: readonly DomainEvent[],
  options: { readonly firstParam?: number; readonly onlyIf?: string } = {},
): OutboxAppendSql {
  const first = options.firstParam ?? 1;
  const p = (i: number): string => `$${first + i}`;
  const s = quoteIdent(schema);
  return {
    insert: `INSERT INTO ${s}.outbox (event_id, topic, message_key, payload, headers)
       SELECT event_id, topic, message_key, payload, headers
       FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::jsonb[])
         WITH ORDINALITY AS e(event_id, topic, message_key, payload, headers, n)
       ${options.onlyIf ? `WHERE ${options.onlyIf}` : ''}
       ORDER BY n
       RETURNING 1`,
    params: [
      events.map((e) => e.id),
      events.map((e) => topicOf(e.type)),
      events.map((e) => e.subject),
      events.map((e) => JSON.stringify(e)),
      events.map((e) =>
        JSON.stringify({
          'event-id': e.id,
          'event-type': e.type,
          ...(e.traceparent ? { traceparent: e.traceparent } : {}),
        }),
      ),
    ],
  };
}

/**
 * The outbox rows of `events` as one part of a statement that makes other writes too
 * (`writeTogether`); null when there are none. The caller wakes the relay with `announceOutbox`.
 */
export function outboxAppendPart(schema: string, events: readonly DomainEvent[]): WritePart | null {
  if (events.length === 0) return null;
  const append = outboxAppendSql(schema, events);
  return { text: append.insert, params: append.params };
}

/** Wakes the relay for outbox rows written through `db`, once they are committed. */
export function announceOutbox(wakeUps: WakeUps, db: EntityManager, schema: string): void {
  wakeUps.announceAfterCommit(db, outboxChannel(schema));
}

/**
 * Writes events to the outbox inside the caller's transaction, so they exist if and only if
 * the state change they describe commits. The Kafka key is the event's subject (the order id),
 * which keeps one order's events in one partition, in order.
 */
export async function appendToOutbox(
  manager: EntityManager,
  schema: string,
  events: readonly DomainEvent[],
  wakeUps: WakeUps,
): Promise<void> {
  if (events.length === 0) return;
  // One statement for any number of events.
  await writeTogether(manager, [outboxAppendPart(schema, events)]);
  announceOutbox(wakeUps, manager, schema);
}
