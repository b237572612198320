import { DAY_MS, dayBound, dayOf } from './partition-bounds';
import { daysOfBound } from './partition-sql';

describe('the days a partition bound holds, as the catalog prints it', () => {
  const day = dayOf(Date.UTC(2026, 10, 30));

  it('reads a week of uuid v7 keys', () => {
    const bound = `FOR VALUES FROM ('${dayBound('uuidv7', day)}') TO ('${dayBound('uuidv7', day + 7)}')`;

    expect(daysOfBound('uuidv7', bound)).toEqual({ from: day, to: day + 7 });
  });

  it('reads a day of epoch seconds', () => {
    const bound = `FOR VALUES FROM ('${(day * DAY_MS) / 1000}') TO ('${((day + 1) * DAY_MS) / 1000}')`;

    expect(daysOfBound('epoch_seconds', bound)).toEqual({ from: day, to: day + 1 });
  });

  it('counts a day a bound cuts through as held, so no partition is made over it', () => {
    const noon = (day * DAY_MS + DAY_MS / 2) / 1000;

    expect(
      daysOfBound('epoch_seconds', `FOR VALUES FROM ('${noon}') TO ('${noon + 86_400}')`),
    ).toEqual({
      from: day,
      to: day + 2,
    });
  });

  it('counts a day as held when a uuid upper bound takes in its first keys', () => {
    const justAfter = `${dayBound('uuidv7', day + 7).slice(0, -1)}1`;

    expect(
      daysOfBound('uuidv7', `FOR VALUES FROM ('${dayBound('uuidv7', day)}') TO ('${justAfter}')`),
    ).toEqual({ from: day, to: day + 8 });
  });

  it('reads MINVALUE and MAXVALUE as unbounded', () => {
    expect(daysOfBound('epoch_seconds', `FOR VALUES FROM (MINVALUE) TO ('0')`)).toEqual({
      from: -Infinity,
      to: 0,
    });
    expect(daysOfBound('epoch_seconds', `FOR VALUES FROM ('0') TO (MAXVALUE)`)).toEqual({
      from: 0,
      to: Infinity,
    });
  });

  it.each(['DEFAULT', 'FOR VALUES IN (1)', `FOR VALUES FROM ('not-a-uuid') TO ('x')`])(
    'reads nothing from %s',
    (bound) => {
      expect(daysOfBound('uuidv7', bound)).toBeUndefined();
    },
  );
});
