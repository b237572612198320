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
  for (const event of events) {
    const headers = {
      'event-id': event.id,
      'event-type': event.type,
      ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    };
    await manager.query(
      `INSERT INTO ${s}.outbox (event_id, topic, message_key, payload, headers) VALUES ($1, $2, $3, $4, $5)`,
      [
        event.id,
        topicOf(event.type),
        event.subject,
        JSON.stringify(event),
        JSON.stringify(headers),
      ],
    );
  }
  // Delivered at commit, and only if the transaction commits: wakes the relay without polling.
  await manager.query(`SELECT pg_notify($1, '')`, [outboxChannel(schema)]);
}
