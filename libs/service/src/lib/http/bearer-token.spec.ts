import { bearerToken } from './bearer-token';

describe('reading a bearer token', () => {
  it.each([
    ['Bearer abc123', 'abc123'],
    ['bearer   abc123', 'abc123'],
    ['Basic abc123', null],
    ['Bearer', null],
    ['Bearer two words', null],
    [undefined, null],
  ])('reads %p as %p', (header, token) => {
    expect(bearerToken({ headers: header === undefined ? {} : { authorization: header } })).toBe(
      token,
    );
  });
});
