import { type DataSource } from 'typeorm';

/**
 * How long a scrape's database reading may run. Under the gauges' own two-second wait, so a slow
 * reading is cancelled by Postgres rather than left holding a pooled connection the service's
 * work needs.
 */
const SCRAPE_STATEMENT_TIMEOUT = '1500ms';

/**
 * The first row of a read-only query run for a scrape, cut off by Postgres if it runs long.
 * Scrapes count queue rows (unpublished events, due deliveries, parked Stripe events) through
 * partial indexes that keep an entry for every row that has left the queue until a vacuum. A
 * bitmap scan reads each such entry and its row's page at every scrape; a plain index scan
 * marks it dead the first time, so the scrapes after it pass over it in the index alone. Hence
 * no bitmap scans in a scrape's transaction.
 */
export function scrapeQuery<T>(
  dataSource: DataSource,
  text: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return dataSource.transaction('READ COMMITTED', async (manager) => {
    // Both settings in one round trip: a statement without parameters may hold several.
    await manager.query(
      `SET LOCAL statement_timeout = '${SCRAPE_STATEMENT_TIMEOUT}'; SET LOCAL enable_bitmapscan = off`,
    );
    const rows = (await manager.query(text, params)) as T[];
    return rows[0];
  });
}
