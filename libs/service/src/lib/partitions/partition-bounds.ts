/**
 * Daily range partitions by a time-ordered key: which partitions a table should have at a given
 * moment, their names and their bounds. Pure: the clock and the database are the caller's.
 */

export const DAY_MS = 86_400_000;

/** Partitions are made this many days past today, so a late maintenance run never starves inserts. */
export const DAYS_AHEAD = 3;

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
}

/** The days (numbered from 1970-01-01 UTC) that must have partitions. */
export interface RetentionWindow {
  readonly firstDay: number;
  readonly lastDay: number;
}

export interface PartitionPlan {
  readonly create: readonly number[];
  readonly drop: readonly number[];
}

export interface DayPartition {
  readonly day: number;
  readonly name: string;
  /** Inclusive lower bound, as the key's SQL literal text. */
  readonly from: string;
  /** Exclusive upper bound: the next day's lower bound. */
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
 * What to create and what to drop, given the days that have partitions now. Days after the window
 * (made by a run with another clock or settings) are left alone: they fill up in their time.
 */
export function planPartitions(
  existingDays: readonly number[],
  window: RetentionWindow,
): PartitionPlan {
  const existing = new Set(existingDays);
  const create: number[] = [];
  for (let day = window.firstDay; day <= window.lastDay; day++) {
    if (!existing.has(day)) create.push(day);
  }
  const drop = [...existing].filter((day) => day < window.firstDay).sort((a, b) => a - b);
  return { create, drop };
}

/** The lower bound of `day` for a key of this kind, as the text of its SQL literal. */
export function dayBound(kind: PartitionKeyKind, day: number): string {
  if (kind === 'epoch_seconds') return String((day * DAY_MS) / 1000);
  const hex = (day * DAY_MS).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

export function dayPartition(table: PartitionedTable, day: number): DayPartition {
  return {
    day,
    name: partitionName(table.table, day),
    from: dayBound(table.kind, day),
    to: dayBound(table.kind, day + 1),
  };
}

/** `<table>_pYYYYMMDD`, the UTC date of the day. */
export function partitionName(table: string, day: number): string {
  const date = new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '');
  return `${table}_p${date}`;
}

/** The day a partition of `table` holds, or undefined for a name this module did not make. */
export function dayOfPartitionName(table: string, name: string): number | undefined {
  const prefix = `${table}_p`;
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = dayOf(ms);
  return partitionName(table, day) === name ? day : undefined;
}
