import { isConflict, isRowFault } from './batch-failure';

describe('isRowFault', () => {
  it.each([
    ['a value too long for its column', { code: '22001' }],
    ['malformed JSON', { code: '22P02' }],
    ['a broken check constraint', { code: '23514' }],
    [
      'a unique violation wrapped by TypeORM',
      { name: 'QueryFailedError', driverError: { code: '23505' } },
    ],
  ])('says a batch may fail for one row on %s', (_what, err) => {
    expect(isRowFault(err)).toBe(true);
  });

  it.each([
    ['a deadlock', { code: '40P01' }],
    ['a cancelled statement', { code: '57014' }],
    ['a server shutting down', { code: '57P01' }],
    ['a refused connection', { code: 'ECONNREFUSED' }],
    ['an error without a code', new Error('Query read timeout')],
    ['nothing', undefined],
  ])('says a batch fails for every row alike on %s', (_what, err) => {
    expect(isRowFault(err)).toBe(false);
  });
});

describe('isConflict', () => {
  it.each([
    ['a deadlock', { code: '40P01' }],
    ['a serialization failure wrapped by TypeORM', { driverError: { code: '40001' } }],
  ])('says the statement may pass when run again on %s', (_what, err) => {
    expect(isConflict(err)).toBe(true);
  });

  it.each([
    ['a unique violation', { code: '23505' }],
    ['a refused connection', { code: 'ECONNREFUSED' }],
    ['nothing', null],
  ])('says nothing of %s', (_what, err) => {
    expect(isConflict(err)).toBe(false);
  });
});
