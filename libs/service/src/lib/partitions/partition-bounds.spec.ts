import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import {
  DAY_MS,
  dayBound,
  dayOf,
  dayOfPartitionName,
  dayPartition,
  partitionName,
  planPartitions,
  retentionWindow,
  type PartitionedTable,
} from './partition-bounds';

const outbox: PartitionedTable = { table: 'outbox', key: 'event_id', kind: 'uuidv7' };
const stripeEvents: PartitionedTable = {
  table: 'stripe_events',
  key: 'created',
  kind: 'epoch_seconds',
};

/** Postgres orders uuids by their 16 bytes (memcmp); so does this. */
const uuidBytes = (uuid: string) => Buffer.from(uuid.replaceAll('-', ''), 'hex');
const uuidCompare = (a: string, b: string) => Buffer.compare(uuidBytes(a), uuidBytes(b));

const MAX_MS = Date.UTC(9999, 11, 30);
const epochMs = fc.integer({ min: 0, max: MAX_MS });
const day = fc.integer({ min: 0, max: dayOf(MAX_MS) });

describe('daily partition bounds', () => {
  it('puts every uuid v7 made at time t inside the bounds of the day of t', () => {
    fc.assert(
      fc.property(epochMs, fc.uint8Array({ minLength: 16, maxLength: 16 }), (t, random) => {
        // Given an event id made at t, with any random bits
        const id = uuidv7({ msecs: t, random });

        // When its day's partition is computed
        const partition = dayPartition(outbox, dayOf(t));

        // Then the id sorts at or after the lower bound and before the upper bound
        expect(uuidCompare(id, partition.from)).toBeGreaterThanOrEqual(0);
        expect(uuidCompare(id, partition.to)).toBeLessThan(0);
      }),
    );
  });

  it('puts every epoch second of a day inside the bounds of that day', () => {
    fc.assert(
      fc.property(epochMs, (t) => {
        const seconds = Math.floor(t / 1000);
        const partition = dayPartition(stripeEvents, dayOf(t));

        expect(seconds).toBeGreaterThanOrEqual(Number(partition.from));
        expect(seconds).toBeLessThan(Number(partition.to));
      }),
    );
  });

  it.each([outbox, stripeEvents])(
    'tiles consecutive days of $kind keys without gaps or overlaps',
    (table) => {
      fc.assert(
        fc.property(day, (d) => {
          const today = dayPartition(table, d);
          const tomorrow = dayPartition(table, d + 1);

          // The upper bound of one day is the lower bound of the next (ranges are half-open)...
          expect(today.to).toBe(tomorrow.from);
          // ...and each range is non-empty.
          const order =
            table.kind === 'uuidv7'
              ? uuidCompare(today.from, today.to)
              : Number(today.from) - Number(today.to);
          expect(order).toBeLessThan(0);
        }),
      );
    },
  );

  it('writes the lower bound of a uuid day as its millisecond timestamp and zero bits', () => {
    const day20261129 = dayOf(Date.UTC(2026, 10, 29));

    expect(dayBound('uuidv7', day20261129)).toBe('01a22499-f800-0000-0000-000000000000');
    expect(dayBound('epoch_seconds', day20261129)).toBe(String(Date.UTC(2026, 10, 29) / 1000));
  });
});

describe('partition names', () => {
  it('name a partition by its table and UTC date', () => {
    expect(partitionName('outbox', dayOf(Date.UTC(2026, 10, 29, 23, 59)))).toBe('outbox_p20261129');
  });

  it('give back the day they were made from', () => {
    fc.assert(
      fc.property(day, (d) => {
        expect(dayOfPartitionName('deliveries', partitionName('deliveries', d))).toBe(d);
      }),
    );
  });

  it.each(['outbox_default', 'outbox_p2026112', 'outbox_p20261340', 'inbox_p20261129'])(
    'do not claim %s as a day partition of outbox',
    (name) => {
      expect(dayOfPartitionName('outbox', name)).toBeUndefined();
    },
  );
});

describe('which partitions to create and drop', () => {
  const existingDays = fc.uniqueArray(fc.integer({ min: 19_000, max: 21_000 }), {
    maxLength: 60,
  });
  const now = fc.integer({ min: 19_000 * DAY_MS, max: 21_000 * DAY_MS }).map((ms) => new Date(ms));
  const retentionDays = fc.integer({ min: 1, max: 400 });

  it('leaves every day of the window with a partition once the plan is applied', () => {
    fc.assert(
      fc.property(existingDays, now, retentionDays, (existing, at, retention) => {
        // Given the partitions that exist and the window at this moment
        const window = retentionWindow(at, retention);

        // When the plan is applied
        const plan = planPartitions(existing, window);
        const after = new Set([...existing, ...plan.create]);
        for (const d of plan.drop) after.delete(d);

        // Then every day of the window has a partition, and nothing was created twice
        const missing: number[] = [];
        for (let d = window.firstDay; d <= window.lastDay; d++) if (!after.has(d)) missing.push(d);
        expect(missing).toEqual([]);
        expect(plan.create.every((d) => !existing.includes(d))).toBe(true);
      }),
    );
  });

  it('drops exactly the existing partitions whose upper bound is at or before now − retention', () => {
    fc.assert(
      fc.property(existingDays, now, retentionDays, (existing, at, retention) => {
        const threshold = at.getTime() - retention * DAY_MS;

        const plan = planPartitions(existing, retentionWindow(at, retention));

        const expired = existing.filter((d) => (d + 1) * DAY_MS <= threshold);
        expect([...plan.drop].sort((a, b) => a - b)).toEqual(expired.sort((a, b) => a - b));
      }),
    );
  });

  it('keeps the day that holds now − retention and makes three days ahead', () => {
    const now = new Date(Date.UTC(2026, 10, 29, 12));

    const window = retentionWindow(now, 30);

    expect(partitionName('t', window.firstDay)).toBe('t_p20261030');
    expect(partitionName('t', window.lastDay)).toBe('t_p20261202');
  });
});
