import {
  equals,
  type FieldTest,
  memberOf,
  operatorTest,
  orderedAs,
  visitsAlong,
} from './filter-semantics';

/**
 * Turns a validated filter into one function over the event, deciding as sift decides (see
 * filter-semantics). Paths are split once, here; matching an event reads its fields and compares,
 * nothing else.
 *
 * Almost every event leads a path to one value at its end through objects only: each operator
 * reads that value key by key, in the filter's own code, and compares it in place. When the walk
 * meets an array, or a null or missing value before the end, the operator decides on the whole
 * set of values sift visits.
 *
 * The function is generated (decision 0011): with 10,000 filters, a closure per condition calling
 * the next one left V8 a call it could not inline at every condition, and the filters ran at a
 * tenth of hand-written predicates. Filters of one shape now run one piece of code, with their
 * operands bound to it, as hand-written predicates would.
 */

type Fields = Readonly<Record<string, unknown>>;
/**
 * A whole filter, compiled: -1 when the event matches, else the position of the first top-level
 * entry it fails (in the filter's own order), which is what a reason names.
 */
export type FilterCode = (event: unknown) => number;

/** Neither null, nor missing, nor an array: a value the fast walk may read the next key of. */
const passable = (item: unknown): boolean =>
  item !== null && item !== undefined && !Array.isArray(item);

/**
 * A key as V8 keeps property names (internalised): a key split out of a path at run time would be
 * looked up in V8's string table again at every read.
 */
const internalised = (key: string): string => Object.keys({ [key]: 0 })[0] as string;

/** A path, split once: its keys as the generated code reads them, and as the fallback walks them. */
interface Path {
  readonly keys: readonly string[];
  readonly last: string;
}

/** Paths shared by every filter compiled in this process. Bounded, since partners choose them. */
const paths = new Map<string, Path>();
function pathOf(path: string): Path {
  const known = paths.get(path);
  if (known) return known;
  const keys = path.split('.').map(internalised);
  const made = { keys, last: keys[keys.length - 1] as string };
  if (paths.size < 10_000) paths.set(path, made);
  return made;
}

/**
 * Compiled filters shared by every endpoint that has an equal one (keyed by its JSON), for as long
 * as one of these endpoints' filters lives: partners copy filters, and equal ones then run once
 * per event.
 */
const compiled = new Map<string, WeakRef<FilterCode>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (!compiled.get(key)?.deref()) compiled.delete(key);
});
function shared(key: string, compile: () => FilterCode): FilterCode {
  const known = compiled.get(key)?.deref();
  if (known) return known;
  const test = compile();
  compiled.set(key, new WeakRef(test));
  forget.register(test, key);
  return test;
}

/**
 * The fallback of a field operator, when the fast walk met an array, or a null or missing value
 * before the path's end: sift's whole set of visits. The operator's test is built the first time
 * one of its events needs it, and kept in the filter's `cache`.
 */
function general(
  cache: (FieldTest | undefined)[],
  slot: number,
  op: string,
  operand: unknown,
  path: Path,
  event: unknown,
): boolean {
  let test = cache[slot];
  if (!test) cache[slot] = test = operatorTest(op, operand, path.last);
  return test.many(visitsAlong(event, path.keys));
}

/** What generated code calls, by the names it uses. */
const helpers = {
  general,
  equals,
  memberOf,
  orderedAs,
  passable,
  hasOwn: Object.hasOwn,
  isArray: Array.isArray,
};

/** A table's own entry for `key`: what an object inherits (`constructor`...) is no entry. */
const entryOf = (table: Readonly<Record<string, string>>, key: string): string | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/** Each field operator as generated code names it: only these strings ever reach the code. */
const OPERATOR_LITERALS: Readonly<Record<string, string>> = {
  $eq: '"$eq"',
  $ne: '"$ne"',
  $gt: '"$gt"',
  $gte: '"$gte"',
  $lt: '"$lt"',
  $lte: '"$lte"',
  $in: '"$in"',
  $nin: '"$nin"',
  $exists: '"$exists"',
  $not: '"$not"',
};
const COMPARISONS: Readonly<Record<string, string>> = {
  $gt: '>',
  $gte: '>=',
  $lt: '<',
  $lte: '<=',
};
/** The types an ordering operand may have (validated), as generated code names them. */
const ORDERED_TYPES: Readonly<Record<string, string>> = { number: '"number"', string: '"string"' };

/**
 * One filter's code as it is written: the expression holds this file's own fragments and the
 * names of values bound to it, never a partner's text. A filter's operands are bound as `a0`,
 * `a1`…; the keys and paths it reads as `k0`, `k1`…, which filters of one shape on the same paths
 * share. Filters that differ only in their operands run one piece of generated code, which V8
 * optimises once for all of them.
 */
class Emitter {
  readonly operands: unknown[] = [];
  readonly constants: unknown[] = [];
  /** The paths read, in order: part of the code's identity (see `makeFor`). */
  readonly paths: string[] = [];
  private readonly bound = new Map<string, BoundPath>();
  private slots = 0;

  operand(value: unknown): string {
    this.operands.push(value);
    return `a${this.operands.length - 1}`;
  }

  /** The names a path's keys and its `Path` (for the fallback) are bound to. */
  path(path: string): BoundPath {
    let bound = this.bound.get(path);
    if (!bound) {
      const known = pathOf(path);
      bound = { path: this.constant(known), keys: known.keys.map((key) => this.constant(key)) };
      this.bound.set(path, bound);
      this.paths.push(path);
    }
    return bound;
  }

  slot(): number {
    return this.slots++;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `k${this.constants.length - 1}`;
  }
}

interface BoundPath {
  readonly path: string;
  readonly keys: readonly string[];
}

/**
 * Walks the path's keys but the last into `o`, through values that are `passable` (neither null,
 * nor missing, nor an array); false where the fast walk must give up. Each read is written out in
 * the filter's own code, so V8 sees one key at each, as in a hand-written predicate.
 */
const toParent = (keys: readonly string[]): string =>
  ['passable(o = e)', ...keys.slice(0, -1).map((key) => `passable(o = o[${key}])`)].join(' && ');

/**
 * One operator of a field condition. The fast case reads the one value at the path's end into `v`
 * and compares it in place; anything else goes through `general` (see filter-semantics).
 */
function fieldOperator(em: Emitter, path: string, op: string, operand: unknown): string {
  const literal = entryOf(OPERATOR_LITERALS, op);
  if (!literal) throw new Error(`unknown operator ${op}: validate the filter first`);
  const { path: p, keys } = em.path(path);
  const last = keys[keys.length - 1] as string;
  const x = em.operand(operand);
  const fallback = `general((c ??= []), ${em.slot()}, ${literal}, ${x}, ${p}, e)`;
  if (op === '$exists') {
    return `(${toParent(keys)} && !isArray(o[${last}]) ? hasOwn(o, ${last}) === ${x} : ${fallback})`;
  }
  return `(${toParent(keys)} && !isArray(v = o[${last}]) ? ${atEnd(em, path, op, operand, x)} : ${fallback})`;
}

/** The operator on `v`, the one value at the path's end. */
function atEnd(em: Emitter, path: string, op: string, operand: unknown, x: string): string {
  switch (op) {
    case '$eq':
      return `equals(v, ${x})`;
    case '$ne':
      return `!equals(v, ${x})`;
    case '$in':
      return `memberOf(v, ${x})`;
    case '$nin':
      return `!memberOf(v, ${x})`;
    case '$not':
      // At the path's end the value is one, so $not is the negation of its operators there.
      return `!${condition(em, path, operand)}`;
    default: {
      const type = entryOf(ORDERED_TYPES, typeof operand);
      const comparison = entryOf(COMPARISONS, op);
      if (!type || !comparison)
        throw new Error(
          `${op} is not an ordering of a number or a string: validate the filter first`,
        );
      return `(orderedAs(v, ${type}) && v ${comparison} ${x})`;
    }
  }
}

/** Parts joined by `&&` or `||`; none is `empty` (what the operator's identity is). */
const joined = (parts: readonly string[], operator: '&&' | '||', empty: string): string =>
  parts.length === 0
    ? empty
    : parts.length === 1
      ? (parts[0] as string)
      : `(${parts.join(` ${operator} `)})`;
const allOf = (parts: readonly string[]): string => joined(parts, '&&', 'true');
const anyOf = (parts: readonly string[]): string => joined(parts, '||', 'false');

/**
 * A field condition: a scalar (equality) or an object of operators. With several operators it
 * passes when each passes on its own: each is a question about the same set of visits.
 */
function condition(em: Emitter, path: string, value: unknown): string {
  if (typeof value !== 'object' || value === null) return fieldOperator(em, path, '$eq', value);
  return allOf(Object.entries(value).map(([op, operand]) => fieldOperator(em, path, op, operand)));
}

function clause(em: Emitter, key: string, value: unknown): string {
  if (key === '$and') return allOf((value as Fields[]).map((q) => query(em, q)));
  if (key === '$or') return anyOf((value as Fields[]).map((q) => query(em, q)));
  return condition(em, key, value);
}

function query(em: Emitter, q: Fields): string {
  return allOf(Object.entries(q).map(([key, value]) => clause(em, key, value)));
}

/** Makes one filter of a shape from its operands. */
type Make = (operands: readonly unknown[]) => FilterCode;

/**
 * Generated code by what it does and the paths it reads: filters of one shape on the same paths
 * run one function, which reads the same keys at every call. Partners choose shapes and paths
 * (dry runs compile filters nobody keeps), so only the most recently used are kept: a filter
 * keeps its code, and the next filter of a forgotten shape generates it again.
 */
const shapes = new Map<string, Make>();
const MAX_SHAPES = 2_000;
let shapesMade = 0;

/** How many shapes' code is kept now (at most MAX_SHAPES). */
export const shapesKept = (): number => shapes.size;

const bindings = (prefix: string, array: string, count: number): string =>
  count === 0
    ? ''
    : `const ${Array.from({ length: count }, (_, i) => `${prefix}${i} = ${array}[${i}]`).join(', ')};`;

function makeFor(statements: string, em: Emitter): Make {
  const key = `${statements}\n${em.paths.join('\n')}`;
  let make = shapes.get(key);
  if (make) {
    // Most recently used last: the map's first key is the one to forget.
    shapes.delete(key);
    shapes.set(key, make);
    return make;
  }
  const body = [
    // The shape's number keeps two shapes' code apart where their text is the same (other paths).
    `'use strict'; // filter shape ${shapesMade++}`,
    'const { general, equals, memberOf, orderedAs, passable, hasOwn, isArray } = h;',
    bindings('k', 'k', em.constants.length),
    'return function make(a) {',
    bindings('a', 'a', em.operands.length),
    // The fallback's cache, made when an event first needs it.
    'let c;',
    `return function filter(e) { let v, o; ${statements} };`,
    '};',
  ].join('\n');
  // Code from this file's fragments only (see Emitter): a partner's operands and paths are
  // values bound to it, never part of its text.
  const outer = new Function('h', 'k', body) as (h: typeof helpers, k: readonly unknown[]) => Make;
  make = outer(helpers, em.constants);
  shapes.set(key, make);
  if (shapes.size > MAX_SHAPES) shapes.delete(shapes.keys().next().value as string);
  return make;
}

/**
 * A validated filter, compiled once into one function (see FilterCode). Equal filters (by their
 * JSON) share it for as long as one of them lives, and run once per event.
 */
export function compileFilter(filter: Fields): FilterCode {
  return shared(JSON.stringify(filter), () => {
    const em = new Emitter();
    const statements = Object.entries(filter)
      .map(([key, value], i) => `if (!${clause(em, key, value)}) return ${i};`)
      .concat('return -1;')
      .join(' ');
    return makeFor(statements, em)(em.operands);
  });
}
