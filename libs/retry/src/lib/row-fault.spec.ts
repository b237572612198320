import { isRowFault } from './row-fault';

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
