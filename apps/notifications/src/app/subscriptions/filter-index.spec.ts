import fc from 'fast-check';
import { event, indexableQuery } from '../../testing/filters.test-helper';
import { FilterIndex } from './filter-index';
import { CompiledFilter } from './subscription-filter';

const linearScan = (filters: readonly (CompiledFilter | null)[], e: unknown) =>
  filters.flatMap((f, position) => (!f || f.firstFailure(e) < 0 ? [position] : []));

/** The reason for each top-level condition of the filter that the event fails on its own. */
const failedConditions = (filter: CompiledFilter, e: unknown): string[] =>
  Object.entries(filter.filter).flatMap(([key, condition], entry) =>
    new CompiledFilter({ [key]: condition }).firstFailure(e) < 0 ? [] : [filter.explain(e, entry)],
  );

const sorted = (positions: number[]) => [...positions].sort((a, b) => a - b);

const payment = (currency: string, type = 'payment.succeeded') => ({
  id: 'e-1',
  type,
  data: { amount: 500, currency },
});

describe('filter index', () => {
  it('Given any set of filters, when an event comes, then the index answers exactly the filters a linear scan passes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(indexableQuery, { freq: 8 }), { maxLength: 25 }),
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (queries, events) => {
          const filters = queries.map((q) => (q ? new CompiledFilter(q) : null));
          const index = new FilterIndex(filters);
          for (const e of events) expect(sorted(index.matching(e))).toEqual(linearScan(filters, e));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('Given any set of filters, some of them equal, when an event comes, then each verdict is null where the filter passes and else names a condition of that filter the event fails', () => {
    // A few filters, each used by several endpoints in any order: equal filters run once.
    const endpointsOfFewFilters = fc
      .array(fc.option(indexableQuery, { freq: 8 }), { minLength: 1, maxLength: 6 })
      .chain((pool) =>
        fc.array(
          fc.nat(pool.length - 1).map((i) => pool[i]),
          { maxLength: 25 },
        ),
      );
    fc.assert(
      fc.property(
        endpointsOfFewFilters,
        fc.array(event, { minLength: 1, maxLength: 5 }),
        (queries, events) => {
          const filters = queries.map((q) => (q ? new CompiledFilter(q) : null));
          const index = new FilterIndex(filters);
          for (const e of events) {
            const verdicts = index.verdicts(e);
            filters.forEach((f, position) => {
              const verdict = verdicts[position];
              if (!f || f.test(e).match) return expect(verdict).toBeNull();
              return expect(failedConditions(f, e)).toContain(verdict);
            });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('Given filters on type and currency, when a eur payment comes, then only filters that may pass run', () => {
    // Given 300 endpoints on usd, eur, gbp; the type alone rules nothing out, the currency does
    const currencies = ['usd', 'eur', 'gbp'];
    const runs: number[] = [];
    const filters = Array.from({ length: 300 }, (_, i) => {
      const filter = new CompiledFilter({
        type: 'payment.succeeded',
        'data.currency': currencies[i % 3],
      });
      const firstFailure = filter.firstFailure;
      Object.defineProperty(filter, 'firstFailure', {
        value: (e: unknown) => (runs.push(i), firstFailure(e)),
      });
      return filter;
    });
    const index = new FilterIndex(filters);

    // When a eur payment comes
    const passed = index.matching(payment('eur'));

    // Then the 100 eur filters ran, and passed
    expect(runs).toHaveLength(100);
    expect(sorted(passed)).toEqual(runs.filter((i) => i % 3 === 1));
  });

  it('Given endpoints without a filter, and filters with no equality, then those pass or run for every event', () => {
    const filters = [
      null,
      new CompiledFilter({ 'data.amount': { $gt: 100 } }),
      new CompiledFilter({ $or: [{ 'data.currency': 'usd' }, { 'data.currency': 'eur' }] }),
      new CompiledFilter({ 'data.currency': { $in: ['usd', 'gbp'] } }),
    ];
    const index = new FilterIndex(filters);

    expect(sorted(index.matching(payment('eur')))).toEqual([0, 1, 2]);
    expect(sorted(index.matching(payment('gbp', 'order.paid')))).toEqual([0, 1, 3]);
  });

  it('Given a filter on a field the event holds in an array, then it still runs and passes', () => {
    const index = new FilterIndex([new CompiledFilter({ 'data.tags': 'vip' })]);

    expect(index.matching({ id: 'e-1', data: { tags: ['new', 'vip'] } })).toEqual([0]);
    expect(index.matching({ id: 'e-1', data: { tags: 'new' } })).toEqual([]);
  });
});
