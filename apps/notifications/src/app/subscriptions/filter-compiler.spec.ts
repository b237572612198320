import fc from 'fast-check';
import sift from 'sift';
import { compileFilter, shapesKept } from './filter-compiler';
import { condition, event, query, value } from '../../testing/filters.test-helper';
import { CompiledFilter, validateFilter } from './subscription-filter';

/** The compiled filter as a test of events: true when it matches. */
const compileQuery = (filter: Record<string, unknown>) => {
  const code = compileFilter(filter);
  return (event: unknown) => code(event) < 0;
};

/** The reason as it was worded when sift matched: the first top-level condition sift fails. */
function siftReason(filter: Record<string, unknown>, e: unknown): string {
  const failed = Object.entries(filter).find(([k, v]) => !sift({ [k]: v } as never)(e));
  if (!failed) return 'the filter did not match';
  const [k, v] = failed;
  if (k === '$and' || k === '$or') return `${k} ${JSON.stringify(v)} did not match`;
  const actual = k
    .split('.')
    .reduce<unknown>(
      (node, part) =>
        typeof node === 'object' &&
        node !== null &&
        !Array.isArray(node) &&
        Object.getPrototypeOf(node) === Object.prototype
          ? (node as Record<string, unknown>)[part]
          : undefined,
      e,
    );
  return `${k} ${JSON.stringify(v)} did not match: the event has ${JSON.stringify(actual) ?? 'no such field'}`;
}

describe('compiled filters', () => {
  it('Given any valid filter and any event, the compiled closure agrees with sift', () => {
    fc.assert(
      fc.property(query, fc.array(event, { minLength: 1, maxLength: 5 }), (filter, events) => {
        validateFilter(filter);
        const compiled = compileQuery(filter);
        const oracle = sift(filter as never);
        for (const e of events) expect([filter, e, compiled(e)]).toEqual([filter, e, oracle(e)]);
      }),
      { numRuns: 3000 },
    );
  });

  it('Given a single field condition, the compiled closure agrees with sift on events built around that path', () => {
    // Nested arrays of arrays at each step of the path: where sift's walk is least obvious.
    const nested = fc.letrec<{ at: unknown }>((tie) => ({
      at: fc.oneof(
        { depthSize: 'small' },
        value,
        fc.array(tie('at'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b'), tie('at'), { maxKeys: 2, noNullPrototype: true }),
      ),
    })).at;
    const fieldPath = fc
      .array(fc.constantFrom('a', 'b', '0', 'length'), { minLength: 1, maxLength: 3 })
      .map((rest) => ['data', ...rest].join('.'));
    fc.assert(
      fc.property(
        fieldPath,
        condition,
        fc.array(nested, { minLength: 1, maxLength: 8 }),
        (p, c, datas) => {
          const filter = { [p]: c };
          validateFilter(filter);
          const compiled = compileQuery(filter);
          const oracle = sift(filter as never);
          for (const data of datas) {
            const e = { id: 'e-1', data };
            expect([filter, e, compiled(e)]).toEqual([filter, e, oracle(e)]);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("Given a filter with operands and paths a partner chose, then none of the partner's text is part of the generated code", () => {
    // Given operands that would be code if they were pasted into it
    const operand = '"); globalThis.hacked = true; ("';
    const filter = {
      'data.evil_path_0': operand,
      'data.amount': { $gt: 100, $in: [operand] },
      $or: [{ subject: { $ne: operand } }, { 'data.x': { $exists: true } }],
    };
    validateFilter(filter);

    // When it is compiled
    const code = compileFilter(filter);

    // Then the code names bound values, never the operands or the paths
    expect(code.toString()).not.toContain('hacked');
    expect(code.toString()).not.toContain('evil_path_0');
    expect(code.toString()).not.toContain('100');
    // And it still decides on them
    expect(code({ data: { evil_path_0: operand, amount: 150 }, subject: 's' })).toBe(1);
    expect((globalThis as { hacked?: boolean }).hacked).toBeUndefined();
  });

  it('Given more filter shapes than the bound (dry runs a partner throws away), then the code kept stays bounded and every filter still decides', () => {
    // Given 2,100 filters, each on a path of its own (each a shape of its own)
    const codes = Array.from({ length: 2100 }, (_, i) => compileFilter({ [`data.f${i}`]: i }));

    // Then at most 2,000 shapes are kept
    expect(shapesKept()).toBeLessThanOrEqual(2000);
    // And the first filters, whose shapes were forgotten, still decide, as does a new one of theirs
    expect(codes[0]?.({ data: { f0: 0 } })).toBe(-1);
    expect(codes[0]?.({ data: { f0: 1 } })).toBe(0);
    expect(compileFilter({ 'data.f1': 7 })({ data: { f1: 7 } })).toBe(-1);
  });

  it("Given an event a filter does not match, firstFailure names the first top-level entry it fails, in the filter's order", () => {
    const code = compileFilter({ type: 'a', 'data.amount': { $gt: 10 }, subject: 's' });

    expect(code({ type: 'a', data: { amount: 11 }, subject: 's' })).toBe(-1);
    expect(code({ type: 'b', data: { amount: 11 }, subject: 's' })).toBe(0);
    expect(code({ type: 'a', data: { amount: 9 }, subject: 'x' })).toBe(1);
    expect(code({ type: 'a', data: { amount: 11 } })).toBe(2);
  });

  it('Given an event a filter does not match, explain words the reason as it was worded with sift', () => {
    fc.assert(
      fc.property(query, event, (filter, e) => {
        const compiled = new CompiledFilter(filter);
        fc.pre(compiled.firstFailure(e) >= 0);
        expect(compiled.explain(e)).toBe(siftReason(filter, e));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['an array holding the value', { 'data.tags': 'vip' }, { tags: ['new', 'vip'] }, true],
    [
      'an array of objects holding it',
      { 'data.items.sku': 'a' },
      { items: [{ sku: 'b' }, { sku: 'a' }] },
      true,
    ],
    ['a missing field, for null', { 'data.refund': null }, {}, true],
    ['an intermediate null, for null', { 'data.card.brand': null }, { card: null }, true],
    ['an array with the value, for $ne', { 'data.tags': { $ne: 'vip' } }, { tags: ['vip'] }, false],
    ['an empty array, for $exists', { 'data.tags': { $exists: true } }, { tags: [] }, true],
    [
      'a position past the end, for $ne null',
      { 'data.tags.5': { $ne: null } },
      { tags: [1] },
      false,
    ],
    ['a position past the end, for $eq null', { 'data.tags.5': null }, { tags: [1] }, false],
    [
      'an array inside an array, for $in',
      { 'data.tags': { $in: [3] } },
      { tags: [[1, [3]]] },
      true,
    ],
    ['a number, for a string bound', { 'data.amount': { $gt: '100' } }, { amount: 500 }, false],
  ])('Given %s, it decides as sift does', (_case, filter, data, expected) => {
    const e = { id: 'e-1', data };

    expect(compileQuery(filter)(e)).toBe(expected);
    expect(sift(filter as never)(e)).toBe(expected);
  });
});
