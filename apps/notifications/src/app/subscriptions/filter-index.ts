import { type FilterCode } from './filter-compiler';
import { type EndpointFilter, type FilterScalar, type HeldAt } from './subscription-filter';

/** A condition every event the filter matches must meet: the value at `path` is one of `values`. */
interface Equality {
  readonly path: string;
  readonly values: ReadonlySet<FilterScalar>;
  /** The filter's top-level entry that requires it: the one an event it rules out fails. */
  readonly entry: number;
}

/**
 * The endpoints whose filters compiled to one and the same code (equal filters do, see the
 * compiler): it runs once per event for all of them.
 */
interface Group {
  /** Its place in the index's list of groups. */
  readonly id: number;
  readonly filter: EndpointFilter;
  /** `filter.firstFailure`, held here so that running it does not fetch the filter from memory. */
  readonly code: FilterCode;
  readonly positions: number[];
}

/** A position's outcome when the index ruled its filter out without running it. */
const NOT_RUN = -2;

/**
 * Groups to run, as two lists side by side: running them reads the tests, and the positions of
 * those that pass; a group of one endpoint (the usual case) keeps its position in the list itself.
 * With 10,000 filters, every object touched per event shows in the time.
 */
class Bucket {
  readonly codes: FilterCode[] = [];
  readonly positions: (number | readonly number[])[] = [];

  add(group: Group): void {
    this.codes.push(group.code);
    this.positions.push(
      group.positions.length === 1 ? (group.positions[0] as number) : group.positions,
    );
  }

  /** Runs each group's filter on the event and writes its outcome at the group's positions. */
  run(event: unknown, outcomes: Int16Array): void {
    const { codes, positions } = this;
    for (let i = 0; i < codes.length; i++) {
      const outcome = (codes[i] as FilterCode)(event);
      const at = positions[i] as number | readonly number[];
      if (typeof at === 'number') outcomes[at] = outcome;
      else for (let j = 0; j < at.length; j++) outcomes[at[j] as number] = outcome;
    }
  }
}

interface PathBuckets {
  readonly keys: readonly string[];
  /** The groups looked up on this path, by the value they require. */
  readonly byValue: Map<FilterScalar, Bucket>;
  /** All of them, for an event whose value here the index cannot tell (see `lookupKey`). */
  readonly all: Bucket;
}

const CANNOT_TELL = Symbol('cannot tell');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The equalities a validated filter requires: its top-level `path: value`, `{ $eq }` and
 * `{ $in }` conditions, and those of its `$and` members (which must all hold too). `$or`
 * members and every other operator are left to the filter itself.
 */
function equalities(
  query: Readonly<Record<string, unknown>>,
  topLevelEntry?: number,
  out: Equality[] = [],
): Equality[] {
  Object.entries(query).forEach(([key, condition], position) => {
    const entry = topLevelEntry ?? position;
    if (key === '$and') {
      (condition as Record<string, unknown>[]).forEach((sub) => equalities(sub, entry, out));
    } else if (key === '$or') {
      return;
    } else if (!isPlainObject(condition)) {
      out.push({ path: key, values: new Set([condition as FilterScalar]), entry });
    } else {
      if ('$eq' in condition)
        out.push({ path: key, values: new Set([condition['$eq'] as FilterScalar]), entry });
      if ('$in' in condition)
        out.push({ path: key, values: new Set(condition['$in'] as FilterScalar[]), entry });
    }
  });
  return out;
}

/**
 * The bucket an event's value at a path falls in, as the filters compare it; or CANNOT_TELL. With
 * no array on the way, a path leads to one value, and a filter requiring `x` there matches only if
 * that value is `x` (a missing value, or a null or missing one on the way, counts as null). Through
 * arrays, or on an object value (a Date compares by its time), every filter on the path is a
 * candidate and decides for itself.
 */
function lookupKey(event: unknown, keys: readonly string[]): FilterScalar | typeof CANNOT_TELL {
  let item = event;
  for (const key of keys) {
    if (item === null || item === undefined) return null;
    if (Array.isArray(item)) return CANNOT_TELL;
    item = (item as Record<string, unknown>)[key];
  }
  if (item === undefined) return null;
  if (typeof item === 'object' && item !== null) return CANNOT_TELL;
  return item as FilterScalar;
}

/**
 * The filters of a set of endpoints, indexed so that an event rules most of them out before any
 * filter runs. Each filter is looked up on one of the equalities it requires, the one whose
 * buckets are the smallest across the set (ties go to `type`): a `type` every endpoint of the set
 * requires alike rules nothing out, a currency rules out the others. Filters that require no
 * equality are always run; endpoints without a filter always pass; equal filters run once.
 */
export class FilterIndex {
  /** Each position's outcome before any filter runs: -1 (passes) where it has none. */
  private readonly before: Int16Array;
  /** Each position's group (-1 where it has no filter), and the groups' filters. */
  private readonly groupOf: Int32Array;
  private readonly filters: readonly EndpointFilter[];
  /** Each group's top-level entry that an event the index rules it out for fails. */
  private readonly ruledOutAt: Int16Array;
  private readonly alwaysRun: Bucket;
  private readonly paths: readonly PathBuckets[];

  /** `filters[i]` is the filter of position i; null for an endpoint without one. */
  constructor(filters: readonly (EndpointFilter | null)[]) {
    this.before = new Int16Array(filters.length).fill(NOT_RUN);
    this.groupOf = new Int32Array(filters.length).fill(-1);
    const byCode = new Map<FilterCode, Group>();
    filters.forEach((filter, position) => {
      if (!filter) {
        this.before[position] = -1;
        return;
      }
      let group = byCode.get(filter.firstFailure);
      if (!group) {
        group = { id: byCode.size, filter, code: filter.firstFailure, positions: [] };
        byCode.set(filter.firstFailure, group);
      }
      this.groupOf[position] = group.id;
      group.positions.push(position);
    });
    const groups = [...byCode.values()];
    this.filters = groups.map((g) => g.filter);
    const required = groups.map((g) => equalities(g.filter.filter));
    const counts = new Map<string, Map<FilterScalar, number>>();
    for (const equality of required.flat()) {
      const byValue = counts.get(equality.path) ?? new Map<FilterScalar, number>();
      counts.set(equality.path, byValue);
      for (const v of equality.values) byValue.set(v, (byValue.get(v) ?? 0) + 1);
    }
    const cost = (e: Equality) =>
      [...e.values].reduce<number>((sum, v) => sum + (counts.get(e.path)?.get(v) ?? 0), 0);

    this.ruledOutAt = new Int16Array(groups.length);
    const alwaysRun = new Bucket();
    const paths = new Map<string, PathBuckets>();
    groups.forEach((group, i) => {
      const options = required[i] as Equality[];
      if (options.length === 0) return alwaysRun.add(group);
      const best = options
        .map((e) => ({ e, cost: cost(e) }))
        .reduce((a, b) =>
          b.cost < a.cost || (b.cost === a.cost && b.e.path === 'type' && a.e.path !== 'type')
            ? b
            : a,
        ).e;
      this.ruledOutAt[group.id] = best.entry;
      const buckets = paths.get(best.path) ?? {
        keys: best.path.split('.'),
        byValue: new Map<FilterScalar, Bucket>(),
        all: new Bucket(),
      };
      paths.set(best.path, buckets);
      buckets.all.add(group);
      for (const v of best.values) {
        const bucket = buckets.byValue.get(v) ?? new Bucket();
        buckets.byValue.set(v, bucket);
        bucket.add(group);
      }
      return undefined;
    });
    this.alwaysRun = alwaysRun;
    this.paths = [...paths.values()];
  }

  /** Positions of the filters the event passes, in order. */
  matching(event: unknown): number[] {
    const outcomes = this.outcomes(event);
    const passed: number[] = [];
    for (let position = 0; position < outcomes.length; position++)
      if (outcomes[position] === -1) passed.push(position);
    return passed;
  }

  /**
   * Each position's verdict on the event: null when it passes, else the reason it does not (see
   * EndpointFilter.explain), worded only for the positions it does not pass, and once per
   * distinct filter: equal filters fail alike. Where the filter ran, the reason is the first
   * top-level condition it failed; where the index ruled it out, it is the condition the index
   * ruled it out on, which the event fails as well, so the filter need not run to be explained.
   */
  verdicts(event: unknown): (string | null)[] {
    const outcomes = this.outcomes(event);
    const reasons = new Array<string | undefined>(this.filters.length);
    const held: HeldAt = new Map();
    const verdicts: (string | null)[] = new Array(outcomes.length);
    for (let position = 0; position < outcomes.length; position++) {
      const outcome = outcomes[position] as number;
      if (outcome === -1) {
        verdicts[position] = null;
        continue;
      }
      const group = this.groupOf[position] as number;
      let reason = reasons[group];
      if (reason === undefined) {
        const filter = this.filters[group] as EndpointFilter;
        const failed = outcome === NOT_RUN ? (this.ruledOutAt[group] as number) : outcome;
        reasons[group] = reason = filter.explain(event, failed, held);
      }
      verdicts[position] = reason;
    }
    return verdicts;
  }

  /** Each position's outcome: the filter's answer (see FilterCode), or NOT_RUN where ruled out. */
  private outcomes(event: unknown): Int16Array {
    const outcomes = this.before.slice();
    this.alwaysRun.run(event, outcomes);
    for (const path of this.paths) {
      const key = lookupKey(event, path.keys);
      const candidates = key === CANNOT_TELL ? path.all : path.byValue.get(key);
      candidates?.run(event, outcomes);
    }
    return outcomes;
  }
}
