import { isoTimestamp } from './iso-timestamp';

describe('isoTimestamp', () => {
  it.each(['2025-01-31T12:00:00Z', '2024-02-29T23:59:59.999+05:30', '0001-01-01T00:00:00Z'])(
    'accepts %s',
    (text) => {
      // Given an ISO instant Postgres stores, When it is parsed, Then it is accepted
      expect(isoTimestamp().safeParse(text).success).toBe(true);
    },
  );

  it.each([
    ['without a zone', '2025-01-31T12:00:00'],
    ['on a day that does not exist', '2025-02-30T00:00:00Z'],
    ['in year 0, which Postgres refuses', '0000-01-01T00:00:00Z'],
    ['as a date only', '2025-01-31'],
  ])('refuses an instant %s', (_label, text) => {
    // Given a time Postgres could not take, When it is parsed, Then it is refused
    expect(isoTimestamp().safeParse(text).success).toBe(false);
  });
});
