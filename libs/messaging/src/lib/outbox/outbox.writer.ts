import { type DomainEvent, topicOf } from '@switchyard/contracts';
import { type EntityManager } from 'typeorm';
import { outboxChannel, quoteIdent } from '../messaging-ddl';

/**
 * Writes events to the outbox inside the caller's transaction, so they exist if and only if
 * the state change they describe commits. The Kafka key is the event's subject (the order id),
 * which keeps one order's events in one partition, in order.
 */
export async function appendToOutbox(
  manager: EntityManager,
  schema: string,
  events: readonly DomainEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const s = quoteIdent(schema);
  // One statement for any number of events: rows take their positions in the order given, and
  // the notification is delivered at commit, only if the transaction commits, waking the relay
  // without polling.
  await manager.query(
    `WITH appended AS (
       INSERT INTO ${s}.outbox (event_id, topic, message_key, payload, headers)
       SELECT event_id, topic, message_key, payload, headers
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
         WITH ORDINALITY AS e(event_id, topic, message_key, payload, headers, n)
       ORDER BY n
       RETURNING 1
     )
     SELECT pg_notify($6, '') FROM (SELECT count(*) FROM appended) AS done`,
    [
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
      outboxChannel(schema),
    ],
  );
}
