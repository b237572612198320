import fc from 'fast-check';
import { validateFilter } from '../app/subscriptions/subscription-filter';

// Arbitraries for filter tests. Few values and few keys, so that filters and events meet often:
// equal, unequal, of another type, null, missing, inside arrays, inside arrays of arrays.
export const scalar = fc.constantFrom<string | number | boolean | null>(
  null,
  0,
  1,
  2,
  -1,
  1.5,
  '',
  'a',
  'b',
  '1',
  true,
  false,
);
const orderable = fc.constantFrom<string | number>(0, 1, 2, -1, 1.5, '', 'a', 'b', '1');
// Keys an event may hold and a path may name: ordinary ones, numeric ones (array positions), and
// ones every array, string or object has or inherits (length, constructor), read as sift reads them.
const key = fc.constantFrom('a', 'b', 'x', '0', '1', 'length', 'constructor');

export const { value } = fc.letrec<{
  value: unknown;
  array: unknown[];
  object: Record<string, unknown>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    scalar,
    tie('array'),
    tie('object'),
    fc.constantFrom(new Date(1), new Date(2)),
  ),
  array: fc.array(tie('value'), { maxLength: 3 }),
  object: fc.dictionary(key, tie('value'), { maxKeys: 3, noNullPrototype: true }),
}));

export const event = fc.record(
  {
    id: fc.constantFrom('e-1', 'e-2'),
    type: fc.oneof(fc.constantFrom('payment.succeeded', 'order.paid'), value),
    source: fc.oneof(fc.constant('payments'), value),
    data: value,
  },
  { requiredKeys: ['id'], noNullPrototype: true },
);

const path = fc
  .tuple(fc.constantFrom('type', 'source', 'data', 'data', 'id'), fc.array(key, { maxLength: 3 }))
  .map(([root, rest]) => [root, ...rest].join('.'));

export const { condition } = fc.letrec<{ condition: unknown; operators: Record<string, unknown> }>(
  (tie) => ({
    condition: fc.oneof({ maxDepth: 2, depthIdentifier: 'condition' }, scalar, tie('operators')),
    operators: fc
      .array(
        fc.oneof(
          { maxDepth: 2, depthIdentifier: 'condition' },
          fc.tuple(fc.constantFrom('$eq', '$ne'), scalar),
          fc.tuple(fc.constantFrom('$gt', '$gte', '$lt', '$lte'), orderable),
          fc.tuple(fc.constantFrom('$in', '$nin'), fc.array(scalar, { maxLength: 4 })),
          fc.tuple(fc.constant('$exists'), fc.boolean()),
          fc.tuple(fc.constant('$not'), tie('operators')),
        ),
        { minLength: 1, maxLength: 3 },
      )
      .map((entries) => Object.fromEntries(entries)),
  }),
);

export const { query } = fc.letrec<{ query: Record<string, unknown> }>((tie) => ({
  query: fc
    .array(
      fc.oneof(
        { maxDepth: 2, depthIdentifier: 'query' },
        fc.tuple(path, condition),
        fc.tuple(
          fc.constantFrom('$and', '$or'),
          fc.array(tie('query'), { minLength: 1, maxLength: 3 }),
        ),
      ),
      { maxLength: 3 },
    )
    .map((entries) => Object.fromEntries(entries))
    // What the generator builds is valid but for the odd one nested past the validator's depth.
    .filter((q) => {
      try {
        validateFilter(q);
        return true;
      } catch {
        return false;
      }
    }),
}));

/**
 * Filters that also require equalities on a few paths (a type, a currency...), as partners write
 * them, so that an index has something to look them up on.
 */
export const indexableQuery = fc
  .tuple(
    fc.dictionary(
      fc.constantFrom('type', 'source', 'data.a', 'data.a.b'),
      fc.oneof(
        scalar,
        scalar.map(($eq) => ({ $eq })),
        fc.array(scalar, { maxLength: 3 }).map(($in) => ({ $in })),
        fc.array(scalar, { maxLength: 3 }).map(($in) => ({ $in, $ne: 'a' })),
      ),
      { maxKeys: 2, noNullPrototype: true },
    ),
    query,
  )
  .map(([equalities, rest]) => ({ ...rest, ...equalities }));
