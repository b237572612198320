/**
 * What a filter's field conditions mean, as sift decides them (MongoDB query semantics as sift
 * implements them, arrays and missing fields included), so that a filter saved before matches
 * the same events after. The compiler's fast closures cover the usual case with the same
 * comparisons; everything here is what they fall back to.
 *
 * How sift reads a path: it walks the keys from the event down and "visits" every value the path
 * leads to. Through an array it visits each element's value (and then the array's own property of
 * that name, usually missing); an array at the end of the path is visited element by element,
 * nested arrays too, and then as a whole; a null or missing value before the end stops the walk
 * there and is visited as not being at the end. Every operator we allow is then a question about
 * that set of visits: "does one of them pass" ($eq, $gt, $in, $exists: true...) or "does none of
 * them" ($ne, $nin, $exists: false), each skipping the visits sift skips.
 */

export type Scalar = string | number | boolean | null;
export type Ordered = number | string;
type Fields = Readonly<Record<string, unknown>>;

/** A value the path leads to, as sift visits it. */
export interface Visit {
  readonly value: unknown;
  /** The key the value was read under, and what it was read from (undefined at the event itself). */
  readonly key: PropertyKey | undefined;
  readonly owner: unknown;
  /** Whether the walk reached the end of the path (an intermediate null or missing value has not). */
  readonly leaf: boolean;
}

/** A field's operators (one or all): on the one value at the path's end, or on the whole set. */
export interface FieldTest {
  /** `value` was read from `owner` under the path's last key, no array on the way or at the end. */
  readonly atEnd: (value: unknown, owner: unknown) => boolean;
  readonly many: (visits: readonly Visit[]) => boolean;
}

export const hasOwn = (owner: unknown, key: PropertyKey | undefined): boolean =>
  Object.prototype.hasOwnProperty.call(owner, key as PropertyKey);

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** What sift compares an object value as: a Date by its time, an object with `toJSON` by what that returns. */
function comparable(value: object): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  return typeof toJSON === 'function' ? (toJSON as () => unknown).call(value) : value;
}

/** sift's equality of an event's value with a filter's scalar: null also equals a missing value. */
export function equals(value: unknown, expected: Scalar): boolean {
  if (value === expected) return true;
  if (expected === null) {
    return (
      value === undefined ||
      (isObject(value) && (comparable(value) === null || comparable(value) === undefined))
    );
  }
  return isObject(value) && comparable(value) === expected;
}

/** $in: equal to one of the scalars. */
export function memberOf(value: unknown, expected: readonly Scalar[]): boolean {
  for (let i = 0; i < expected.length; i++) if (expected[i] === value) return true;
  if (value === null || value === undefined) return expected.includes(null);
  return isObject(value) && expected.some((x) => equals(value, x));
}

/**
 * $gt and friends compare only a value of the operand's type (number or string), or an object
 * whose comparable value has that type (a Date to a number: JS compares it by its time too).
 */
export const orderedAs = (value: unknown, type: string): boolean =>
  typeof value === type || (isObject(value) && typeof comparable(value) === type);

function compares(op: string, operand: Ordered): (value: unknown) => boolean {
  const type = typeof operand;
  switch (op) {
    case '$gt':
      return (v) => orderedAs(v, type) && (v as Ordered) > operand;
    case '$gte':
      return (v) => orderedAs(v, type) && (v as Ordered) >= operand;
    case '$lt':
      return (v) => orderedAs(v, type) && (v as Ordered) < operand;
    default:
      return (v) => orderedAs(v, type) && (v as Ordered) <= operand;
  }
}

type Skip = (key: PropertyKey | undefined, owner: unknown) => boolean;

/**
 * sift's $eq (and $gt...) ignore what a path names on an array that the array does not own, such
 * as `items.amount` read on the array itself after its elements.
 */
const skippedByEquals: Skip = (key, owner) => Array.isArray(owner) && !hasOwn(owner, key);

/**
 * $ne, $in and $nin skip a little less: only a non-numeric key the array has neither as its own
 * nor inherited (so `items.5` past the end is visited, as undefined).
 */
const skippedByMembership: Skip = (key, owner) =>
  Array.isArray(owner) && !((key as PropertyKey) in owner) && Number.isNaN(Number(key));

/** Passes when one visit's value passes `test`. */
function some(test: (value: unknown) => boolean, skipped: Skip): FieldTest {
  return {
    atEnd: test,
    many: (visits) => visits.some((v) => !skipped(v.key, v.owner) && test(v.value)),
  };
}

/** Passes when no visit's value passes `test`. */
function none(test: (value: unknown) => boolean, skipped: Skip): FieldTest {
  const any = some(test, skipped);
  return { atEnd: (value) => !test(value), many: (visits) => !any.many(visits) };
}

/** $exists: whether a visit at the end of the path finds the key there (even holding null). */
function exists(expected: boolean, lastKey: string): FieldTest {
  const found = (v: Visit) =>
    v.leaf &&
    (v.owner === null || v.owner === undefined ? v.value !== undefined : hasOwn(v.owner, v.key));
  return {
    atEnd: (_value, owner) => hasOwn(owner, lastKey) === expected,
    many: (visits) => visits.some(found) === expected,
  };
}

/**
 * sift's $not walks each visited value again, an array into its elements, and asks its operators
 * about those. An array is only visited at the end of the path, after the walk visited its
 * elements already (nested ones too): the set is the same, so the operators get it as it is.
 */
function not(inner: FieldTest): FieldTest {
  const { atEnd, many } = inner;
  return { atEnd: (value, owner) => !atEnd(value, owner), many: (visits) => !many(visits) };
}

/** One operator of a field condition, on the field whose last key is `lastKey`. */
export function operatorTest(op: string, operand: unknown, lastKey: string): FieldTest {
  switch (op) {
    case '$eq':
      return some((v) => equals(v, operand as Scalar), skippedByEquals);
    case '$ne':
      return none((v) => equals(v, operand as Scalar), skippedByMembership);
    case '$in':
      return some((v) => memberOf(v, operand as Scalar[]), skippedByMembership);
    case '$nin':
      return none((v) => memberOf(v, operand as Scalar[]), skippedByMembership);
    case '$exists':
      return exists(operand as boolean, lastKey);
    case '$not':
      return not(conditionTest(operand, lastKey));
    default:
      return some(compares(op, operand as Ordered), skippedByEquals);
  }
}

function allOf(tests: readonly FieldTest[]): FieldTest {
  if (tests.length === 1) return tests[0] as FieldTest;
  return {
    atEnd: (value, owner) => tests.every((t) => t.atEnd(value, owner)),
    many: (visits) => tests.every((t) => t.many(visits)),
  };
}

/** A field's condition: a scalar (equality) or an object of operators, all of which must pass. */
function conditionTest(value: unknown, lastKey: string): FieldTest {
  if (!isObject(value)) return operatorTest('$eq', value, lastKey);
  return allOf(Object.entries(value).map(([op, operand]) => operatorTest(op, operand, lastKey)));
}

/** Every visit sift makes along `keys` from the event (see the top of this file). */
export function visitsAlong(event: unknown, keys: readonly string[]): Visit[] {
  const out: Visit[] = [];
  const intoArrays = keys.map((key) => Number.isNaN(Number(key)));
  const walk = (
    item: unknown,
    depth: number,
    key: PropertyKey | undefined,
    owner: unknown,
  ): void => {
    const next = keys[depth];
    if (
      Array.isArray(item) &&
      (next === undefined ||
        (intoArrays[depth] &&
          !(hasOwn(item, next) && typeof (item as unknown as Fields)[next] !== 'function')))
    ) {
      item.forEach((element, i) => walk(element, depth, i, item));
    }
    if (next === undefined || item === null || item === undefined) {
      out.push({ value: item, key, owner, leaf: next === undefined });
      return;
    }
    walk((item as Fields)[next], depth + 1, next, item);
  };
  walk(event, 0, undefined, undefined);
  return out;
}
