import { type InProcessService } from '@switchyard/service-testing';
import { DEFAULT_PARTITION_DAYS, listPartitions } from '@switchyard/service';
import { startOrdersApp } from '../testing/orders-app.test-helper';

describe('orders partitions, as the service makes them at start (real Postgres and Kafka)', () => {
  let t: InProcessService;

  beforeAll(async () => {
    t = await startOrdersApp('orders_partitions');
  });

  afterAll(() => t?.close());

  it.each(['outbox', 'inbox'])(
    'keeps %s in partitions a week wide by default, a handful for 30 days',
    async (table) => {
      // Given a service started with the default settings
      // When its partitions are read from the catalog
      const partitions = await listPartitions(t.dataSource, 'orders', table, 'uuidv7');
      const ranges = partitions.flatMap((p) => (p.days ? [p.days] : []));

      // Then none is wider than a week, and they are few, where daily ones were 34
      expect(ranges.length).toBeGreaterThan(0);
      expect(ranges.length).toBeLessThanOrEqual(7);
      expect(ranges.every((r) => r.to - r.from <= DEFAULT_PARTITION_DAYS)).toBe(true);
      expect(ranges.some((r) => r.to - r.from === DEFAULT_PARTITION_DAYS)).toBe(true);
    },
  );
});
