import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import {
  DAY_MS,
  type DayRange,
  DEFAULT_PARTITION_DAYS,
  type PartitionPlan,
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
  /** Existing partitions that do not overlap: runs of 1 to 10 days, some with gaps between. */
  const existingRanges = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 10 })), {
      maxLength: 60,
    })
    .chain((steps) =>
      fc.integer({ min: 19_000, max: 20_500 }).map((start) => {
        const ranges: DayRange[] = [];
        let at = start;
        for (const [gap, length] of steps) {
          ranges.push({ from: at + gap, to: at + gap + length });
          at += gap + length;
        }
        return ranges;
      }),
    );
  const now = fc.integer({ min: 19_000 * DAY_MS, max: 21_000 * DAY_MS }).map((ms) => new Date(ms));
  const retentionDays = fc.integer({ min: 1, max: 400 });
  const partitionDays = fc.integer({ min: 1, max: 31 });

  /** How many partitions hold each day, once the plan is applied. */
  function holdersOf(existing: readonly DayRange[], plan: PartitionPlan): Map<number, number> {
    const dropped = new Set(plan.drop);
    const holders = new Map<number, number>();
    for (const r of [...existing.filter((e) => !dropped.has(e)), ...plan.create]) {
      for (let d = r.from; d < r.to; d++) holders.set(d, (holders.get(d) ?? 0) + 1);
    }
    return holders;
  }

  /** Checks a plan made for any existing partitions, clock, retention and width. */
  function forEveryPlan(
    check: (given: {
      existing: DayRange[];
      window: ReturnType<typeof retentionWindow>;
      span: number;
      plan: PartitionPlan;
    }) => void,
  ): void {
    fc.assert(
      fc.property(
        existingRanges,
        now,
        retentionDays,
        partitionDays,
        (existing, at, retention, span) => {
          const window = retentionWindow(at, retention);
          check({ existing, window, span, plan: planPartitions(existing, window, span) });
        },
      ),
    );
  }

  it('leaves every day of the window in exactly one partition once the plan is applied', () => {
    forEveryPlan(({ existing, window, plan }) => {
      // Given the partitions that exist, and the plan for the window at this moment
      // When the plan is applied
      const holders = holdersOf(existing, plan);

      // Then every day of the window has one partition, and no day has two
      const unheld: number[] = [];
      for (let d = window.firstDay; d <= window.lastDay; d++) {
        if (holders.get(d) !== 1) unheld.push(d);
      }
      expect(unheld).toEqual([]);
      expect([...holders.values()].every((n) => n === 1)).toBe(true);
    });
  });

  it('makes each new partition within one cell of the grid, at most the configured days wide', () => {
    forEveryPlan(({ span, plan }) => {
      for (const r of plan.create) {
        expect(r.to - r.from).toBeGreaterThanOrEqual(1);
        expect(r.to - r.from).toBeLessThanOrEqual(span);
        expect(Math.floor(r.from / span)).toBe(Math.floor((r.to - 1) / span));
      }
    });
  });

  it('drops exactly the existing partitions whose upper bound is at or before now − retention', () => {
    fc.assert(
      fc.property(existingRanges, now, retentionDays, (existing, at, retention) => {
        const threshold = at.getTime() - retention * DAY_MS;

        const plan = planPartitions(existing, retentionWindow(at, retention), 7);

        const expired = existing.filter((r) => r.to * DAY_MS <= threshold);
        expect(plan.drop).toEqual(expired);
      }),
    );
  });

  it('makes a fresh table weekly partitions: 30 days kept take 5 of them, not 34 daily ones', () => {
    const window = retentionWindow(new Date(Date.UTC(2026, 10, 29, 12)), 30);

    const plan = planPartitions([], window, DEFAULT_PARTITION_DAYS);

    expect(plan.create).toHaveLength(5);
    expect(planPartitions([], window, 1).create).toHaveLength(34);
  });

  it('keeps the day that holds now − retention and makes three days ahead', () => {
    const now = new Date(Date.UTC(2026, 10, 29, 12));

    const window = retentionWindow(now, 30);

    expect(partitionName('t', window.firstDay)).toBe('t_p20261030');
    expect(partitionName('t', window.lastDay)).toBe('t_p20261202');
  });
});
