import { type DomainEvent } from '@switchyard/contracts';
import { type DataSource, type EntityManager } from 'typeorm';
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
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${quoteIdent(schema)}.inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING event_id`,
      [consumer, event.id, event.type],
    );
    if (inserted.length === 0) return 'duplicate';
    await handler(manager);
    return 'applied';
  });
}
