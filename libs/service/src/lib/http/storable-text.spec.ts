import fc from 'fast-check';
import { findUnstorableText, markStorable } from './storable-text';

describe('findUnstorableText', () => {
  it('finds nothing in ordinary text, emoji and other languages included', () => {
    // Given text Postgres stores
    const value = { name: 'Café ☕ 東京 😀', lines: [{ sku: 'mug' }], n: 1, ok: true, none: null };

    // When it is scanned
    const found = findUnstorableText(value);

    // Then nothing is found
    expect(found).toEqual([]);
  });

  it('finds a NUL character and says where it is', () => {
    // Given a NUL deep in the value
    const value = { lines: [{ sku: 'ok' }, { sku: 'm\u0000ug' }] };

    // When it is scanned
    const found = findUnstorableText(value);

    // Then its path is given
    expect(found).toEqual([
      { path: ['lines', 1, 'sku'], message: expect.stringMatching(/NUL character/) },
    ]);
  });

  it('finds unpaired surrogates, high or low, but not a pair', () => {
    // Given a lone high surrogate, a lone low surrogate, and a proper pair
    const value = ['a\ud800', '\udc00b', '\ud83d\ude00'];

    // When it is scanned
    const found = findUnstorableText(value);

    // Then the two lone ones are found
    expect(found.map((f) => f.path)).toEqual([[0], [1]]);
  });

  it('finds a bad key and names the object that holds it', () => {
    // Given a key with a NUL
    const value = { headers: { 'x\u0000y': 'v' } };

    // When it is scanned
    const found = findUnstorableText(value);

    // Then the object is named
    expect(found).toEqual([
      { path: ['headers'], message: expect.stringMatching(/^has a key that must not contain/) },
    ]);
  });

  it('walks nesting far deeper than the call stack without overflowing', () => {
    // Given an array nested 200,000 deep with a NUL at the bottom
    let value: unknown = '\u0000';
    for (let i = 0; i < 200_000; i++) value = [value];

    // When it is scanned
    const found = findUnstorableText(value);

    // Then the NUL is found, 200,000 levels down
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toHaveLength(200_000);
  });

  it('stops after the limit', () => {
    // Given many bad strings
    const value = Array.from({ length: 50 }, () => '\u0000');

    // When it is scanned with a limit of 3
    const found = findUnstorableText(value, 3);

    // Then three are reported
    expect(found).toHaveLength(3);
  });

  it('finds the same in a body marked from its JSON text as in one walked in full, whatever its strings', () => {
    // Given any value whose strings may hold NUL or lone surrogates, as JSON text
    // (NUL, lone surrogates of either half, a pair, and text that looks like an escape)
    const anyString = fc
      .array(
        fc.oneof(
          fc.constantFrom('\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d\ude00'),
          fc.constantFrom('\\', 'u0000', 'ud800', '"'),
          fc.string({ unit: 'binary', maxLength: 3 }),
        ),
      )
      .map((parts) => parts.join(''));
    const bodies = fc.dictionary(
      anyString,
      fc.oneof(anyString, fc.array(anyString), fc.dictionary(anyString, anyString)),
    );
    fc.assert(
      fc.property(bodies, fc.boolean(), (body, upperCase) => {
        // (JSON.stringify escapes in lower case; clients may send either)
        const stringified = JSON.stringify(body);
        const text = upperCase
          ? stringified.replace(/\\u[0-9a-f]{4}/g, (m) => `\\u${m.slice(2).toUpperCase()}`)
          : stringified;

        // When one parse of it is marked from the text and another is not
        const marked: unknown = JSON.parse(text);
        markStorable(marked, text);

        // Then both are found to hold the same unstorable strings
        expect(findUnstorableText(marked)).toEqual(findUnstorableText(JSON.parse(text)));
      }),
      { numRuns: 500 },
    );
  });

  it.each([
    ['an escaped NUL', '{"lines":[{"sku":"m\\u0000ug"}]}'],
    ['a lone surrogate escaped in upper case', '{"a":"\\uDC00"}'],
    ['a lone surrogate in a key', '{"\\ud800":1}'],
  ])('still finds %s in a body marked from its JSON text', (_case, text) => {
    const body: unknown = JSON.parse(text);

    markStorable(body, text);

    expect(findUnstorableText(body)).toHaveLength(1);
  });
});
