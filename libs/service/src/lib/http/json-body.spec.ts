import { nestsDeeperThan } from './json-body';

describe('nestsDeeperThan', () => {
  it('counts arrays and objects together', () => {
    // Given JSON three levels deep
    const text = '{"a":[{"b":1}]}';

    // When its depth is checked, Then it nests deeper than 2 but not than 3
    expect(nestsDeeperThan(text, 2)).toBe(true);
    expect(nestsDeeperThan(text, 3)).toBe(false);
  });

  it('does not count brackets inside strings, escaped quotes included', () => {
    // Given a string full of brackets and an escaped quote
    const text = '{"a":"[[[{{{\\"[[[["}';

    // When its depth is checked, Then only the object counts
    expect(nestsDeeperThan(text, 1)).toBe(false);
  });

  it('finds a nesting of 100,000 levels without recursion', () => {
    // Given 100,000 nested arrays
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;

    // When its depth is checked against 64, Then it is too deep
    expect(nestsDeeperThan(text, 64)).toBe(true);
  });

  it('finds depth past the limit when brackets in strings make up the rest of the count', () => {
    // Given objects three deep, and a string with more brackets than the limit
    const text = `{"a":{"b":{"c":"${'['.repeat(10)}"}}}`;

    // When its depth is checked, Then the string's brackets do not count, the objects do
    expect(nestsDeeperThan(text, 3)).toBe(false);
    expect(nestsDeeperThan(text, 2)).toBe(true);
  });
});
