import {
  equals,
  type FieldTest,
  memberOf,
  operatorTest,
  type Ordered,
  orderedAs,
  type Scalar,
  visitsAlong,
} from './filter-semantics';

/**
 * Turns a validated filter into plain closures over the event, deciding as sift decides (see
 * filter-semantics). Paths are split once, here; matching an event reads its fields and compares,
 * nothing else.
 *
 * Almost every event leads a path to one value at its end through objects only: each operator
 * gets a closure of its own for that case, which reads the value through a reader shared by every
 * filter on the path and compares it in place. Separate closures per operator, rather than one
 * that calls the operator's test, let V8 inline the comparison: it made the benchmark's filters
 * two to three times faster. When the walk meets an array, or a null or missing value before the
 * end, the operator decides on the whole set of values sift visits.
 */

type Fields = Readonly<Record<string, unknown>>;
export type EventTest = (event: unknown) => boolean;

/** What a fast reader answers when the path meets an array, or null or missing before its end. */
const GENERAL = Symbol('the general walk');
type Reader = (event: unknown) => unknown;

/** Neither null, nor missing, nor an array: a value the fast walk may read the next key of. */
const passable = (item: unknown): boolean =>
  item !== null && item !== undefined && !Array.isArray(item);

const at = (item: unknown, key: string): unknown =>
  passable(item) ? (item as Fields)[key] : undefined;

const end = (value: unknown): unknown => (Array.isArray(value) ? GENERAL : value);

/**
 * The value at the path's end, or GENERAL; unrolled for the usual depths. `parent` reads the
 * value the last key is read from.
 */
function valueReader(keys: readonly string[], parent: Reader): Reader {
  const [a, b, c] = keys as [string, string, string];
  switch (keys.length) {
    case 1:
      return (event) => (passable(event) ? end((event as Fields)[a]) : GENERAL);
    case 2:
      return (event) => {
        const x = at(event, a);
        return passable(x) ? end((x as Fields)[b]) : GENERAL;
      };
    case 3:
      return (event) => {
        const x = at(at(event, a), b);
        return passable(x) ? end((x as Fields)[c]) : GENERAL;
      };
    default: {
      const last = keys[keys.length - 1] as string;
      return (event) => {
        const x = parent(event);
        return x !== GENERAL && passable(x) ? end((x as Fields)[last]) : GENERAL;
      };
    }
  }
}

const itself: Reader = (event) => event;

/**
 * A key as V8 keeps property names (internalised): a key split out of a path at run time would be
 * looked up in V8's string table again at every read.
 */
const internalised = (key: string): string => Object.keys({ [key]: 0 })[0] as string;

/** A path as the fast closures read it: split, and its readers. */
interface Path {
  readonly keys: readonly string[];
  readonly last: string;
  /** The value the last key is read from (GENERAL, or any value: check it is `passable`). */
  readonly parent: Reader;
  readonly values: Reader;
}

/**
 * Paths (and their parents) shared by every filter compiled in this process: 10,000 filters on
 * `data.amount` read it through one closure, which V8 optimises once. Bounded, since partners
 * choose the paths.
 */
const paths = new Map<string, Path>();
function pathOf(path: string): Path {
  const known = paths.get(path);
  if (known) return known;
  const keys = path.split('.').map(internalised);
  const parent = keys.length > 1 ? pathOf(keys.slice(0, -1).join('.')).values : itself;
  const made = {
    keys,
    last: keys[keys.length - 1] as string,
    parent,
    values: valueReader(keys, parent),
  };
  if (paths.size < 10_000) paths.set(path, made);
  return made;
}

/**
 * Compiled conditions shared by every filter that has them (keyed by their JSON), for as long as
 * one of these filters lives. Endpoints repeat conditions (a type, a currency, a threshold), and
 * with 10,000 filters the time goes to fetching their closures from memory more than to running
 * them (about 1 KB each): shared, they stay in the CPU's caches.
 */
const compiled = new Map<string, WeakRef<EventTest>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (!compiled.get(key)?.deref()) compiled.delete(key);
});
function shared(key: string, compile: () => EventTest): EventTest {
  const known = compiled.get(key)?.deref();
  if (known) return known;
  const test = compile();
  compiled.set(key, new WeakRef(test));
  forget.register(test, key);
  return test;
}

const fieldOperator = (path: string, op: string, operand: unknown): EventTest =>
  shared(JSON.stringify([path, op, operand]), () => makeFieldOperator(path, op, operand));

/**
 * One operator of a field condition. `general` decides on the whole set of visits, and builds
 * what that takes the first time it is needed: with 10,000 filters, memory the fast closures do
 * not touch still spreads them apart, and fetching them then takes longer than running them.
 */
function makeFieldOperator(path: string, op: string, operand: unknown): EventTest {
  const { keys, last, parent, values } = pathOf(path);
  let test: FieldTest | undefined;
  const general = (event: unknown) =>
    (test ??= operatorTest(op, operand, last)).many(visitsAlong(event, keys));
  switch (op) {
    case '$eq': {
      const x = operand as Scalar;
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : equals(v, x);
      };
    }
    case '$ne': {
      const x = operand as Scalar;
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : !equals(v, x);
      };
    }
    case '$in': {
      const xs = operand as Scalar[];
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : memberOf(v, xs);
      };
    }
    case '$nin': {
      const xs = operand as Scalar[];
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : !memberOf(v, xs);
      };
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte':
      return ordered(values, general, op, operand as Ordered);
    case '$not': {
      // At the path's end the value is one, so $not is the negation of its operators there.
      const inner = field(path, operand);
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : !inner(event);
      };
    }
    default: {
      const expected = operand as boolean;
      return (event) => {
        const owner = parent(event);
        if (owner === GENERAL || !passable(owner)) return general(event);
        return Array.isArray((owner as Fields)[last])
          ? general(event)
          : Object.hasOwn(owner as object, last) === expected;
      };
    }
  }
}

function ordered(values: Reader, general: EventTest, op: string, x: Ordered): EventTest {
  const type = typeof x;
  switch (op) {
    case '$gt':
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : orderedAs(v, type) && (v as Ordered) > x;
      };
    case '$gte':
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : orderedAs(v, type) && (v as Ordered) >= x;
      };
    case '$lt':
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : orderedAs(v, type) && (v as Ordered) < x;
      };
    default:
      return (event) => {
        const v = values(event);
        return v === GENERAL ? general(event) : orderedAs(v, type) && (v as Ordered) <= x;
      };
  }
}

/**
 * A field condition: a scalar (equality) or an object of operators. With several operators it
 * passes when each passes on its own: each is a question about the same set of visits.
 */
function field(path: string, value: unknown): EventTest {
  if (typeof value !== 'object' || value === null) return fieldOperator(path, '$eq', value);
  return allPass(Object.entries(value).map(([op, operand]) => fieldOperator(path, op, operand)));
}

const always: EventTest = () => true;

/** Passes when every test passes; no test passes everything. */
function allPass(tests: readonly EventTest[]): EventTest {
  switch (tests.length) {
    case 0:
      return always;
    case 1:
      return tests[0] as EventTest;
    case 2: {
      const [a, b] = tests as [EventTest, EventTest];
      return (event) => a(event) && b(event);
    }
    case 3: {
      const [a, b, c] = tests as [EventTest, EventTest, EventTest];
      return (event) => a(event) && b(event) && c(event);
    }
    default:
      return (event) => {
        for (const t of tests) if (!t(event)) return false;
        return true;
      };
  }
}

function anyPasses(tests: readonly EventTest[]): EventTest {
  if (tests.length === 2) {
    const [a, b] = tests as [EventTest, EventTest];
    return (event) => a(event) || b(event);
  }
  return (event) => {
    for (const t of tests) if (t(event)) return true;
    return false;
  };
}

/** One top-level entry of a filter (`$and`, `$or` or a path), compiled. */
export function compileClause(key: string, value: unknown): EventTest {
  return shared(JSON.stringify([key, value]), () => {
    if (key === '$and') return allPass((value as Fields[]).map(compileQuery));
    if (key === '$or') return anyPasses((value as Fields[]).map(compileQuery));
    return field(key, value);
  });
}

/** A whole filter (or a sub-query of `$and`/`$or`): every entry must pass; `{}` passes everything. */
export function compileQuery(query: Fields): EventTest {
  return shared(JSON.stringify(query), () =>
    allPass(Object.entries(query).map(([key, value]) => compileClause(key, value))),
  );
}
