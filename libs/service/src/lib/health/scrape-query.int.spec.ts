import { outboxTableDdl } from '@switchyard/messaging';
import { createTestDataSource, type TestDataSource, waitFor } from '@switchyard/testing';
import { scrapeQuery } from './scrape-query';

interface ExplainRow {
  'QUERY PLAN': [{ Plan: { 'Shared Hit Blocks': number } }];
}

describe('scrapeQuery (real Postgres)', () => {
  let db: TestDataSource;

  beforeAll(async () => {
    db = await createTestDataSource('scrape_query', 'shop', outboxTableDdl('shop'));
  });

  afterAll(() => db?.close());

  it('passes over rows that have left a queue without reading their pages again, scrape after scrape', async () => {
    // Given 2,000 outbox rows written and then published, each leaving a dead entry in the
    // partial index of unpublished rows (no vacuum runs in a test), and one still unpublished
    await db.dataSource.query(
      `INSERT INTO shop.outbox (event_id, topic, message_key, payload)
       SELECT ('019ac9c4-5f2e-7b3a-8c1d-' || lpad(i::text, 12, '0'))::uuid, 'orders.events.v1', 'k',
              repeat('x', 300)
       FROM generate_series(1, 2001) AS i`,
    );
    await db.dataSource.query(
      `UPDATE shop.outbox SET published_at = now() WHERE event_id <> '019ac9c4-5f2e-7b3a-8c1d-000000002001'`,
    );
    const [size]: { pages: number }[] = await db.dataSource.query(
      `SELECT (pg_relation_size('shop.outbox_default') / current_setting('block_size')::int)::int AS pages`,
    );

    // When scrapes count the unpublished rows, one after another
    const count = `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)
      SELECT count(*) FROM shop.outbox WHERE published_at IS NULL`;
    const pagesRead: number[] = [];
    const few = (size?.pages ?? 0) / 5;
    // A scan marks an entry dead only once no transaction of the server may still see its row:
    // under load, another test's transaction can hold that back for a while, so scrapes go on
    // until one has marked them (a bitmap scan never marks: its reads would never drop).
    await waitFor('a scrape that passes over the dead entries', async () => {
      const plan = await scrapeQuery<ExplainRow>(db.dataSource, count);
      pagesRead.push(plan?.['QUERY PLAN'][0].Plan['Shared Hit Blocks'] ?? Infinity);
      return pagesRead.length > 1 && (pagesRead.at(-1) ?? Infinity) < few;
    });

    // Then a later one reads a few index pages and the one live row's, not the table
    expect(size?.pages).toBeGreaterThan(50);
    expect(pagesRead.at(-1)).toBeLessThan(few);
  });
});
