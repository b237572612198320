import { type DataSource } from 'typeorm';

/**
 * How long a scrape's database reading may run. Under the gauges' own two-second wait, so a slow
 * reading is cancelled by Postgres rather than left holding a pooled connection the service's
 * work needs.
 */
const SCRAPE_STATEMENT_TIMEOUT = '1500ms';

/** The first row of a read-only query run for a scrape, cut off by Postgres if it runs long. */
export function scrapeQuery<T>(
  dataSource: DataSource,
  text: string,
  params: unknown[] = [],
): Promise<T | undefined> {
  return dataSource.transaction('READ COMMITTED', async (manager) => {
    await manager.query(`SET LOCAL statement_timeout = '${SCRAPE_STATEMENT_TIMEOUT}'`);
    const rows = (await manager.query(text, params)) as T[];
    return rows[0];
  });
}
