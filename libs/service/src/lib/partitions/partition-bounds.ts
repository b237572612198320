/**
 * Range partitions of whole days by a time-ordered key: which partitions a table should have at a
 * given moment, their names and their bounds. Pure: the clock and the database are the caller's.
 */

export const DAY_MS = 86_400_000;

/** Partitions are made this many days past today, so a late maintenance run never starves inserts. */
export const DAYS_AHEAD = 3;

/**
 * Days a partition spans unless configured otherwise (`PARTITION_DAYS`). A statement that cannot
 * prune by its key (a claim of due work, the relay's read) plans, opens and probes every
 * partition: with 30 days kept, daily partitions made that 35 of each table at every call, and
 * weekly ones make it 6 or 7.
 */
export const DEFAULT_PARTITION_DAYS = 7;

/**
 * How a table's partition key encodes time. `uuidv7`: the first 48 bits are Unix milliseconds
 * and Postgres compares uuids bytewise, so a day is a uuid range. `epoch_seconds`: a bigint of
 * Unix seconds.
 */
export type PartitionKeyKind = 'uuidv7' | 'epoch_seconds';

export interface PartitionedTable {
  readonly table: string;
  /** The partition key column; every unique constraint of the table includes it. */
  readonly key: string;
  readonly kind: PartitionKeyKind;
  /**
   * A SQL condition on the table's rows: while any row of a partition meets it, the partition is
   * kept past the retention (and such rows are never purged from the default partition).
   */
  readonly keepWhile?: string;
  /**
   * The fillfactor of each day's partition maintenance makes for it (Postgres's default, 100,
   * when unset); the default partition and partitions that exist already are a migration's to
   * set (`ALTER TABLE … SET (fillfactor = …)` on each). Rows
   * updated soon after they are written, such as a queue's leases, want room left on their page:
   * an update there that changes no indexed column is HOT, writing no index entry, where on a
   * full page it writes one in every index of the table.
   */
  readonly fillfactor?: number;
}

/** The days (numbered from 1970-01-01 UTC) that must have partitions. */
export interface RetentionWindow {
  readonly firstDay: number;
  readonly lastDay: number;
}

/** Whole days [from, to), numbered from 1970-01-01 UTC: the rows a partition holds. */
export interface DayRange {
  readonly from: number;
  readonly to: number;
}

export interface PartitionPlan<R extends DayRange = DayRange> {
  readonly create: readonly DayRange[];
  /** Existing partitions (as given) wholly before the window. */
  readonly drop: readonly R[];
}

export interface DayPartition {
  /** The first day it holds; its name says it. */
  readonly day: number;
  /** The day after the last one it holds. */
  readonly endDay: number;
  readonly name: string;
  /** Inclusive lower bound, as the key's SQL literal text. */
  readonly from: string;
  /** Exclusive upper bound: the lower bound of `endDay`. */
  readonly to: string;
}

export function dayOf(epochMs: number): number {
  return Math.floor(epochMs / DAY_MS);
}

/**
 * Days from the one holding `now − retention` to `DAYS_AHEAD` after today. A day whose upper
 * bound is at or before `now − retention` is past the retention.
 */
export function retentionWindow(
  now: Date,
  retentionDays: number,
  daysAhead = DAYS_AHEAD,
): RetentionWindow {
  const today = dayOf(now.getTime());
  return { firstDay: dayOf(now.getTime() - retentionDays * DAY_MS), lastDay: today + daysAhead };
}

/**
 * What to create and what to drop, given the day ranges existing partitions hold. Every day of the
 * window that no partition holds gets one: days are grouped `partitionDays` at a time on a grid
 * counted from 1970-01-01, and a new partition takes the uncovered days of its grid cell from the
 * first one it must hold, so partitions made by earlier settings (daily ones, say) are filled
 * around, never overlapped. A partition is dropped once its last day is past the retention. Days
 * after the window (made by a run with another clock or settings) are left alone: they fill up in
 * their time.
 */
export function planPartitions<R extends DayRange>(
  existing: readonly R[],
  window: RetentionWindow,
  partitionDays: number,
): PartitionPlan<R> {
  const span = Math.max(1, Math.trunc(partitionDays));
  const held = (day: number) => existing.some((r) => r.from <= day && day < r.to);
  const create: DayRange[] = [];
  for (let day = window.firstDay; day <= window.lastDay;) {
    if (held(day)) {
      day++;
      continue;
    }
    const cellEnd = day - mod(day, span) + span;
    let to = day + 1;
    while (to < cellEnd && !held(to)) to++;
    create.push({ from: day, to });
    day = to;
  }
  const drop = existing.filter((r) => r.to <= window.firstDay).sort((a, b) => a.from - b.from);
  return { create, drop };
}

function mod(n: number, m: number): number {
  return ((n % m) + m) % m;
}

/** The lower bound of `day` for a key of this kind, as the text of its SQL literal. */
export function dayBound(kind: PartitionKeyKind, day: number): string {
  if (kind === 'epoch_seconds') return String((day * DAY_MS) / 1000);
  const hex = (day * DAY_MS).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

/** The day a bound of a key of this kind falls in (fractional inside a day), from its SQL text. */
export function dayOfBound(kind: PartitionKeyKind, bound: string): number {
  if (kind === 'epoch_seconds') return (Number(bound) * 1000) / DAY_MS;
  const hex = bound.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return NaN;
  const ms = Number.parseInt(hex.slice(0, 12), 16);
  // Bits past the timestamp put the bound just after its millisecond: an upper bound there holds
  // the first keys of that millisecond, and of its day.
  return (/[1-9a-fA-F]/.test(hex.slice(12)) ? ms + 0.5 : ms) / DAY_MS;
}

/** The partition holding the days [day, endDay) of `table`, named by its first day. */
export function dayPartition(table: PartitionedTable, day: number, endDay = day + 1): DayPartition {
  return {
    day,
    endDay,
    name: partitionName(table.table, day),
    from: dayBound(table.kind, day),
    to: dayBound(table.kind, endDay),
  };
}

/** `<table>_pYYYYMMDD`, the UTC date of the day. */
export function partitionName(table: string, day: number): string {
  const date = new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  return `${table}_p${date}`;
}

/** The first day a partition of `table` holds, or undefined for a name this module did not make. */
export function dayOfPartitionName(table: string, name: string): number | undefined {
  const prefix = `${table}_p`;
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = dayOf(ms);
  return partitionName(table, day) === name ? day : undefined;
}
