import { compileFilter, type FilterCode } from './filter-compiler';

/** The operators a filter may use; anything else is refused when the filter is saved. */
export const FILTER_OPERATORS = [
  '$eq',
  '$ne',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$nin',
  '$exists',
  '$and',
  '$or',
  '$not',
] as const;
/** Operators on a field; `$and` and `$or` combine whole conditions instead. */
const FIELD_OPERATORS = new Set<string>(
  FILTER_OPERATORS.filter((op) => op !== '$and' && op !== '$or'),
);
const ENVELOPE_ROOTS = new Set([
  'id',
  'type',
  'version',
  'source',
  'subject',
  'occurredAt',
  'data',
]);
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;
const MAX_DEPTH = 6;
const MAX_NODES = 200;
const MAX_BYTES = 8192;
const MAX_LIST = 100;

export type FilterScalar = string | number | boolean | null;
export type SubscriptionFilter = Record<string, unknown>;

/** A filter that cannot be saved; `path` names the offending part, such as "data.amount.$gtt". */
export class InvalidFilterError extends Error {
  override readonly name = 'InvalidFilterError';

  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`filter.${path}: ${message}`);
  }
}

const isScalar = (v: unknown): v is FilterScalar =>
  v === null ||
  typeof v === 'string' ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v));
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.getPrototypeOf(v) === Object.prototype;

class Validator {
  private nodes = 0;

  query(q: unknown, path: string, depth: number): void {
    this.count(path, depth);
    if (!isPlainObject(q))
      throw new InvalidFilterError(path || '(root)', 'must be an object of conditions');
    for (const [key, value] of Object.entries(q)) {
      const at = path ? `${path}.${key}` : key;
      if (key === '$and' || key === '$or') {
        if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LIST) {
          throw new InvalidFilterError(at, `takes a list of 1 to ${MAX_LIST} conditions`);
        }
        value.forEach((sub, i) => this.query(sub, `${at}.${i}`, depth + 1));
      } else if (key.startsWith('$')) {
        throw new InvalidFilterError(
          at,
          `"${key}" is not allowed here; combine conditions with $and or $or`,
        );
      } else {
        if (!PATH.test(key) || !ENVELOPE_ROOTS.has(key.split('.')[0] as string)) {
          throw new InvalidFilterError(
            at,
            `is not a path into the event; start with one of ${[...ENVELOPE_ROOTS].join(', ')} (e.g. data.amount)`,
          );
        }
        this.condition(value, at, depth + 1);
      }
    }
  }

  private condition(value: unknown, path: string, depth: number): void {
    this.count(path, depth);
    if (isScalar(value)) return;
    if (!isPlainObject(value))
      throw new InvalidFilterError(
        path,
        'must be a value (string, number, boolean, null) or an object of operators',
      );
    const keys = Object.keys(value);
    if (keys.length === 0) throw new InvalidFilterError(path, 'has no operator');
    for (const op of keys) {
      const at = `${path}.${op}`;
      const operand = value[op];
      if (!FIELD_OPERATORS.has(op)) {
        throw new InvalidFilterError(
          at,
          `unknown operator; use one of ${[...FIELD_OPERATORS].join(', ')}`,
        );
      }
      if (op === '$exists' && typeof operand !== 'boolean')
        throw new InvalidFilterError(at, 'takes true or false');
      if (
        (op === '$in' || op === '$nin') &&
        (!Array.isArray(operand) || operand.length > MAX_LIST || !operand.every(isScalar))
      ) {
        throw new InvalidFilterError(
          at,
          `takes a list of at most ${MAX_LIST} values (strings, numbers, booleans, null)`,
        );
      }
      if (
        ['$gt', '$gte', '$lt', '$lte'].includes(op) &&
        !((typeof operand === 'number' && Number.isFinite(operand)) || typeof operand === 'string')
      ) {
        // JSON reads 1e999 as Infinity, which is stored as null: a filter that could not be read back.
        throw new InvalidFilterError(
          at,
          'takes a finite number or a string (ISO dates compare as strings)',
        );
      }
      if ((op === '$eq' || op === '$ne') && !isScalar(operand))
        throw new InvalidFilterError(at, 'takes a single value');
      if (op === '$not') this.condition(operand, at, depth + 1);
      if (op === '$not' && isScalar(operand))
        throw new InvalidFilterError(at, 'takes an object of operators, such as {"$in": [...]}');
    }
  }

  private count(path: string, depth: number): void {
    if (depth > MAX_DEPTH)
      throw new InvalidFilterError(path || '(root)', `nests deeper than ${MAX_DEPTH} levels`);
    if (++this.nodes > MAX_NODES)
      throw new InvalidFilterError(path || '(root)', `has more than ${MAX_NODES} conditions`);
  }
}

/** Checks a filter as saved by a partner: only the documented operators, paths and value types. */
export function validateFilter(filter: unknown): SubscriptionFilter {
  if (JSON.stringify(filter ?? null).length > MAX_BYTES)
    throw new InvalidFilterError('(root)', `is larger than ${MAX_BYTES} bytes`);
  new Validator().query(filter, '', 0);
  return filter as SubscriptionFilter;
}

export type FilterVerdict =
  { readonly match: true } | { readonly match: false; readonly reason: string };

/** What the event holds at a path, as the reason shows it: read through objects only. */
function valueAt(event: unknown, keys: readonly string[]): unknown {
  let node = event;
  for (const key of keys) node = isPlainObject(node) ? node[key] : undefined;
  return node;
}

/** A top-level entry of a filter as its reasons word it, worded the first time one is asked. */
interface Wording {
  readonly said: string;
  /** The path, and its keys, for what the event held there; null for `$and` and `$or`. */
  readonly path: string;
  readonly keys: readonly string[] | null;
}

/**
 * What an event held at each path, as reasons word it, for reasons asked of many filters about
 * one event: worded once per path rather than once per filter.
 */
export type HeldAt = Map<string, string>;

/** What the filter index and fan-out need of an endpoint's filter. */
export interface EndpointFilter {
  readonly filter: SubscriptionFilter;
  /** -1 when the event matches, else the position of the first top-level entry it fails. */
  readonly firstFailure: FilterCode;
  explain(event: unknown, failed?: number, held?: HeldAt): string;
}

/**
 * An endpoint's stored filter that no longer passes validation (saved before a rule was added, or
 * changed by hand in the database): its endpoint gets no event, and each `filtered` entry of its
 * message log says why and what to do, while every other endpoint's fan-out goes on.
 */
export class UnreadableFilter implements EndpointFilter {
  readonly filter: SubscriptionFilter = {};
  readonly firstFailure: FilterCode = () => 0;

  constructor(private readonly problem: InvalidFilterError) {}

  explain(): string {
    return `the endpoint's filter is no longer valid (${this.problem.message}): save a valid filter to the endpoint`;
  }
}

/**
 * A validated filter, compiled once into one function (MongoDB query semantics as sift gives
 * them, see filter-compiler; no partner text reaches the code: only the validated operators
 * shape it). `firstFailure` is all an event's fan-out needs; `explain` says which top-level
 * condition failed and what the event held there, and is only worth its cost for a non-match
 * that is written down. It holds little else: with 10,000 filters, how closely their code sits
 * in memory shows in the time they take.
 */
export class CompiledFilter implements EndpointFilter {
  /** -1 when the event matches, else the position of the first top-level entry it fails. */
  readonly firstFailure: FilterCode;
  private wording: readonly Wording[] | undefined;

  constructor(readonly filter: SubscriptionFilter) {
    validateFilter(filter);
    // Shared with every filter equal to this one (see the compiler).
    this.firstFailure = compileFilter(filter);
  }

  /**
   * Why the event does not match: the first top-level condition it fails (`failed`, when the
   * caller ran the filter already), and what the event held there (`held`, shared by the reasons
   * asked about one event).
   */
  explain(event: unknown, failed = this.firstFailure(event), held: HeldAt = new Map()): string {
    if (failed < 0) return 'the filter did not match';
    // Worded once per entry, on the first reason asked of it: fan-out asks thousands per event.
    this.wording ??= Object.entries(this.filter).map(([key, condition]) => ({
      said: `${key} ${JSON.stringify(condition)} did not match`,
      path: key,
      keys: key === '$and' || key === '$or' ? null : key.split('.'),
    }));
    const { said, path, keys } = this.wording[failed] as Wording;
    if (!keys) return said;
    let has = held.get(path);
    if (has === undefined) {
      // What JSON cannot write (a function an object inherits, such as `constructor`) is no field.
      has = JSON.stringify(valueAt(event, keys)) ?? 'no such field';
      held.set(path, has);
    }
    return `${said}: the event has ${has}`;
  }

  test(event: unknown): FilterVerdict {
    const failed = this.firstFailure(event);
    return failed < 0 ? { match: true } : { match: false, reason: this.explain(event, failed) };
  }
}
