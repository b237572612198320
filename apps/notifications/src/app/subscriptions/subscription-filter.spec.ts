import { CompiledFilter, InvalidFilterError, validateFilter } from './subscription-filter';

const payment = (amount: number, currency = 'usd', extra: Record<string, unknown> = {}) => ({
  id: '019ac9c4-5f2e-7b3a-8c1d-2e4f6a8b0c1d',
  type: 'payment.succeeded',
  version: 1,
  source: 'payments',
  subject: 'order-1',
  occurredAt: '2026-11-28T10:15:30.000Z',
  data: { amount, currency, card: { brand: 'visa', country: 'US' }, ...extra },
});

const matches = (filter: Record<string, unknown>, event: unknown) =>
  new CompiledFilter(filter).test(event).match;

describe('endpoint filters', () => {
  it('matches the seed example: a payment over $100 in usd', () => {
    const filter = {
      type: 'payment.succeeded',
      'data.amount': { $gt: 10000 },
      'data.currency': 'usd',
    };

    expect(matches(filter, payment(10100))).toBe(true);
    expect(matches(filter, payment(9900))).toBe(false);
    expect(matches(filter, payment(10100, 'eur'))).toBe(false);
  });

  it.each([
    [{ 'data.amount': { $eq: 500 } }, 500, 501],
    [{ 'data.amount': { $ne: 500 } }, 501, 500],
    [{ 'data.amount': { $gt: 500 } }, 501, 500],
    [{ 'data.amount': { $gte: 500 } }, 500, 499],
    [{ 'data.amount': { $lt: 500 } }, 499, 500],
    [{ 'data.amount': { $lte: 500 } }, 500, 501],
    [{ 'data.amount': { $in: [1, 500] } }, 500, 2],
    [{ 'data.amount': { $nin: [1, 500] } }, 2, 500],
    [{ 'data.amount': { $not: { $gt: 500 } } }, 500, 501],
    [{ $or: [{ 'data.amount': 1 }, { 'data.amount': 500 }] }, 500, 2],
    [{ $and: [{ 'data.amount': { $gt: 1 } }, { 'data.amount': { $lt: 600 } }] }, 500, 700],
  ])('%j matches %i and not %i', (filter, yes, no) => {
    expect(matches(filter, payment(yes))).toBe(true);
    expect(matches(filter, payment(no))).toBe(false);
  });

  it('reads nested paths, and $exists sees missing fields', () => {
    expect(matches({ 'data.card.country': 'US' }, payment(1))).toBe(true);
    expect(matches({ 'data.refund': { $exists: false } }, payment(1))).toBe(true);
    expect(matches({ 'data.refund': { $exists: true } }, payment(1))).toBe(false);
  });

  it('does not match a missing field or a value of another type, and says why', () => {
    const filter = new CompiledFilter({ 'data.amount': { $gt: 10000 } });

    expect(filter.test(payment(9900))).toEqual({
      match: false,
      reason: 'data.amount {"$gt":10000} did not match: the event has 9900',
    });
    expect(new CompiledFilter({ 'data.missing': { $gt: 1 } }).test(payment(1))).toEqual({
      match: false,
      reason: 'data.missing {"$gt":1} did not match: the event has no such field',
    });
    expect(matches({ 'data.amount': { $gt: '100' } }, payment(500))).toBe(false);
  });

  it.each([
    [{ 'data.amount': { $gtt: 1 } }, 'filter.data.amount.$gtt: unknown operator'],
    [{ 'data.amount': { $where: 'sleep(1000)' } }, 'filter.data.amount.$where: unknown operator'],
    [{ $where: 'this.amount > 1' }, 'filter.$where: "$where" is not allowed here'],
    [{ 'payload.amount': 1 }, 'filter.payload.amount: is not a path into the event'],
    [{ 'data..amount': 1 }, 'filter.data..amount: is not a path into the event'],
    [{ 'data.amount': { $in: 5 } }, 'filter.data.amount.$in: takes a list'],
    [
      { 'data.amount': { $gt: { $lt: 1 } } },
      'filter.data.amount.$gt: takes a finite number or a string',
    ],
    // JSON reads 1e999 as Infinity, which would be stored as null and never read back.
    [
      JSON.parse('{"data.amount":{"$lte":1e999}}'),
      'filter.data.amount.$lte: takes a finite number',
    ],
    [{ 'data.amount': { $exists: 'yes' } }, 'filter.data.amount.$exists: takes true or false'],
    [{ 'data.amount': { $regex: '.*' } }, 'filter.data.amount.$regex: unknown operator'],
    [{ 'data.amount': [1, 2] }, 'filter.data.amount: must be a value'],
    [{ $or: [] }, 'filter.$or: takes a list of 1 to 100 conditions'],
    [[], 'filter.(root): must be an object of conditions'],
  ])('refuses %j, naming the offending part', (filter, message) => {
    expect(() => validateFilter(filter)).toThrow(InvalidFilterError);
    expect(() => validateFilter(filter)).toThrow(message);
  });

  it('bounds the depth and the size of a filter', () => {
    let deep: Record<string, unknown> = { 'data.amount': 1 };
    for (let i = 0; i < 8; i++) deep = { $and: [deep] };
    const wide = {
      $or: Array.from({ length: 100 }, (_, i) => ({
        'data.amount': { $in: Array.from({ length: 3 }, () => i) },
      })),
    };

    expect(() => validateFilter(deep)).toThrow(/nests deeper than 6 levels/);
    expect(() => validateFilter(wide)).toThrow(/more than 200 conditions|larger than 8192 bytes/);
  });
});
