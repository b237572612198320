import { type CompiledFilter, type FilterScalar } from './subscription-filter';

/** A condition every event the filter matches must meet: the value at `path` is one of `values`. */
interface Equality {
  readonly path: string;
  readonly values: ReadonlySet<FilterScalar>;
}

/**
 * The endpoints whose filters compiled to one and the same closure (equal filters do, see the
 * compiler): it runs once per event for all of them.
 */
interface Group {
  readonly filter: CompiledFilter;
  /** `filter.matches`, held here so that running it does not fetch the filter from memory. */
  readonly matches: (event: unknown) => boolean;
  readonly positions: number[];
}

interface PathBuckets {
  readonly keys: readonly string[];
  /** The groups looked up on this path, by the value they require. */
  readonly byValue: Map<FilterScalar, Group[]>;
  /** All of them, for an event whose value here the index cannot tell (see `lookupKey`). */
  readonly all: Group[];
}

const CANNOT_TELL = Symbol('cannot tell');

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The equalities a validated filter requires: its top-level `path: value`, `{ $eq }` and
 * `{ $in }` conditions, and those of its `$and` members (which must all hold too). `$or`
 * members and every other operator are left to the filter itself.
 */
function equalities(query: Readonly<Record<string, unknown>>, out: Equality[] = []): Equality[] {
  for (const [key, condition] of Object.entries(query)) {
    if (key === '$and') {
      (condition as Record<string, unknown>[]).forEach((sub) => equalities(sub, out));
    } else if (key === '$or') {
      continue;
    } else if (!isPlainObject(condition)) {
      out.push({ path: key, values: new Set([condition as FilterScalar]) });
    } else {
      if ('$eq' in condition)
        out.push({ path: key, values: new Set([condition['$eq'] as FilterScalar]) });
      if ('$in' in condition)
        out.push({ path: key, values: new Set(condition['$in'] as FilterScalar[]) });
    }
  }
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
  private readonly unfiltered: readonly number[];
  private readonly alwaysRun: readonly Group[];
  private readonly paths: readonly PathBuckets[];

  /** `filters[i]` is the filter of position i; null for an endpoint without one. */
  constructor(filters: readonly (CompiledFilter | null)[]) {
    const unfiltered: number[] = [];
    const byTest = new Map<(event: unknown) => boolean, Group>();
    filters.forEach((filter, position) => {
      if (!filter) return unfiltered.push(position);
      const group = byTest.get(filter.matches) ?? {
        filter,
        matches: filter.matches,
        positions: [],
      };
      byTest.set(filter.matches, group);
      return group.positions.push(position);
    });
    const groups = [...byTest.values()];
    const required = groups.map((g) => equalities(g.filter.filter));
    const counts = new Map<string, Map<FilterScalar, number>>();
    for (const equality of required.flat()) {
      const byValue = counts.get(equality.path) ?? new Map<FilterScalar, number>();
      counts.set(equality.path, byValue);
      for (const v of equality.values) byValue.set(v, (byValue.get(v) ?? 0) + 1);
    }
    const cost = (e: Equality) =>
      [...e.values].reduce<number>((sum, v) => sum + (counts.get(e.path)?.get(v) ?? 0), 0);

    const alwaysRun: Group[] = [];
    const paths = new Map<string, PathBuckets>();
    groups.forEach((group, i) => {
      const options = required[i] as Equality[];
      if (options.length === 0) return alwaysRun.push(group);
      const best = options
        .map((e) => ({ e, cost: cost(e) }))
        .reduce((a, b) =>
          b.cost < a.cost || (b.cost === a.cost && b.e.path === 'type' && a.e.path !== 'type')
            ? b
            : a,
        ).e;
      const buckets = paths.get(best.path) ?? {
        keys: best.path.split('.'),
        byValue: new Map<FilterScalar, Group[]>(),
        all: [],
      };
      paths.set(best.path, buckets);
      buckets.all.push(group);
      for (const v of best.values) {
        const bucket = buckets.byValue.get(v) ?? [];
        buckets.byValue.set(v, bucket);
        bucket.push(group);
      }
      return undefined;
    });
    this.unfiltered = unfiltered;
    this.alwaysRun = alwaysRun;
    this.paths = [...paths.values()];
  }

  /** Positions of the filters the event passes, in no particular order. */
  matching(event: unknown): number[] {
    const passed = [...this.unfiltered];
    runEach(this.alwaysRun, event, passed);
    for (const path of this.paths) {
      const key = lookupKey(event, path.keys);
      const candidates = key === CANNOT_TELL ? path.all : path.byValue.get(key);
      if (candidates) runEach(candidates, event, passed);
    }
    return passed;
  }
}

function runEach(groups: readonly Group[], event: unknown, passed: number[]): void {
  for (let i = 0; i < groups.length; i++) {
    const { matches, positions } = groups[i] as Group;
    if (matches(event)) for (const position of positions) passed.push(position);
  }
}
