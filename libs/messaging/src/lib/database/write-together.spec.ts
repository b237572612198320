import { combineWrites } from './write-together';

describe('writes combined into one statement', () => {
  it('numbers each part’s parameters on from the part before, in order', () => {
    // Given two writes, each numbering its parameters from $1, the second using one twice
    const combined = combineWrites([
      { text: 'UPDATE a SET x = $2 WHERE id = $1 RETURNING 1', params: ['a-1', 10] },
      { text: 'INSERT INTO b SELECT $1, $2 WHERE $1 IS NOT NULL RETURNING 1', params: ['b-1', 11] },
    ]);

    // Then they are CTEs of one statement, reading the same values
    expect(combined).toEqual({
      text:
        'WITH w0 AS (UPDATE a SET x = $2 WHERE id = $1 RETURNING 1), ' +
        'w1 AS (INSERT INTO b SELECT $3, $4 WHERE $3 IS NOT NULL RETURNING 1) ' +
        'SELECT (SELECT count(*) FROM w0)::int AS n0, (SELECT count(*) FROM w1)::int AS n1',
      params: ['a-1', 10, 'b-1', 11],
      planForValues: false,
    });
  });

  it('is planned for its values when one of its parts is', () => {
    const part = { text: 'UPDATE a SET x = $1 RETURNING 1', params: [1] };
    expect(combineWrites([part, { ...part, planForValues: true }]).planForValues).toBe(true);
    expect(combineWrites([part, part]).planForValues).toBe(false);
  });

  it('keeps numbers of ten and more whole', () => {
    const ten = Array.from({ length: 10 }, (_, i) => i);
    const combined = combineWrites([
      { text: 'UPDATE a SET x = $1', params: [0] },
      { text: 'UPDATE b SET y = $10, z = $1', params: ten },
    ]);
    expect(combined.text).toContain('SET y = $11, z = $2');
    expect(combined.params).toHaveLength(11);
  });

  it('refuses a part that numbers a parameter it does not have', () => {
    expect(() =>
      combineWrites([
        { text: 'UPDATE a SET x = $2 RETURNING 1', params: [1] },
        { text: 'UPDATE b SET y = $1 RETURNING 1', params: [2] },
      ]),
    ).toThrow(RangeError);
  });
});
