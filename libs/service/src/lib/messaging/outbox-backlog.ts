import { quoteIdent } from '@switchyard/messaging';
import { type DataSource } from 'typeorm';
import { scrapeQuery } from '../health/scrape-query';

export interface OutboxBacklog {
  /** Events written and not yet published. */
  readonly events: number;
  /** Seconds the oldest of them has waited; 0 when none waits. */
  readonly oldestAgeSeconds: number;
}

/**
 * The outbox's unpublished events and the oldest one's age. Both walk the unpublished rows'
 * partial index (the oldest is the first by position), so the read stays small however many
 * published rows the outbox keeps.
 */
export async function readOutboxBacklog(
  dataSource: DataSource,
  schema: string,
): Promise<OutboxBacklog> {
  const outbox = `${quoteIdent(schema)}.outbox`;
  const row = await scrapeQuery<{ events: number; age: number }>(
    dataSource,
    `SELECT (SELECT count(*)::int FROM ${outbox} WHERE published_at IS NULL) AS events,
            coalesce((SELECT extract(epoch FROM now() - created_at) FROM ${outbox}
                      WHERE published_at IS NULL ORDER BY position LIMIT 1), 0)::float8 AS age`,
  );
  return { events: row?.events ?? 0, oldestAgeSeconds: row?.age ?? 0 };
}
