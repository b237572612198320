import { type DomainEvent } from '@switchyard/contracts';
import { type DataSource, type EntityManager } from 'typeorm';
import { queryPrepared } from '../database/prepared-query';
import { quoteIdent } from '../messaging-ddl';

export type InboxResult = 'applied' | 'duplicate';

/**
 * Runs `handler` at most once per (consumer, event id): the inbox row and the handler's writes
 * commit together, so a redelivered event finds its row and changes nothing. A concurrent
 * duplicate blocks on the first one's uncommitted row and then sees it.
 */
export async function handleOnce(
  dataSource: DataSource,
  schema: string,
  consumer: string,
  event: DomainEvent,
  handler: (manager: EntityManager) => Promise<void>,
): Promise<InboxResult> {
  return dataSource.transaction(async (manager) => {
    const inserted = await queryPrepared(
      manager,
      `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, event.id, event.type],
    );
    if (inserted.rowCount === 0) return 'duplicate';
    await handler(manager);
    return 'applied';
  });
}

/**
 * `handleOnce` for several events in one transaction: one inbox statement for all of them and
 * one commit, the handler called in order for each event not seen before. All or nothing: if
 * the handler throws, no inbox row and none of its writes stay, and the caller can take the
 * events one at a time to find the one at fault.
 */
export async function handleBatchOnce(
  dataSource: DataSource,
  schema: string,
  consumer: string,
  events: readonly DomainEvent[],
  handler: (manager: EntityManager, event: DomainEvent, index: number) => Promise<void>,
): Promise<InboxResult[]> {
  return dataSource.transaction(async (manager) => {
    const { rows: inserted } = await queryPrepared<{ event_id: string }>(
      manager,
      `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id, event_type)
       SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, events.map((e) => e.id), events.map((e) => e.type)],
    );
    // An event twice in one batch has one row: its second copy is a duplicate.
    // Postgres answers uuids in lower case, whatever case the event carried.
    const fresh = new Set(inserted.map((r) => r.event_id));
    const results: InboxResult[] = [];
    for (const [index, event] of events.entries()) {
      if (!fresh.delete(event.id.toLowerCase())) {
        results.push('duplicate');
        continue;
      }
      await handler(manager, event, index);
      results.push('applied');
    }
    return results;
  });
}
