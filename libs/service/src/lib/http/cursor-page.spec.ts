import fc from 'fast-check';
import { z } from 'zod';
import { ApiError } from './api-error';
import { decodeCursor, encodeCursor, pageOf } from './cursor-page';

const Key = z.tuple([z.iso.datetime(), z.uuid()]);

describe('cursor pages', () => {
  it('gives back the sort key it encoded', () => {
    fc.assert(
      fc.property(
        fc.date({
          noInvalidDate: true,
          min: new Date(0),
          max: new Date('9999-12-31T23:59:59.999Z'),
        }),
        fc.uuid(),
        (at, id) => {
          const key = [at.toISOString(), id] as const;
          expect(decodeCursor(encodeCursor(key), Key)).toEqual(key);
        },
      ),
    );
  });

  it.each([
    ['not base64 JSON', '%%%'],
    ['JSON of the wrong shape', encodeCursor(['yesterday', 'x'])],
    ['an empty string', ''],
  ])('refuses %s with 400 invalid_cursor', (_what, cursor) => {
    const err = thrownBy(() => decodeCursor(cursor, Key));

    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).getStatus()).toBe(400);
    expect((err as ApiError).getResponse()).toMatchObject({ error: { code: 'invalid_cursor' } });
  });

  it('has a next cursor only when there was a row beyond the page, keyed on the last row shown', () => {
    const rows = [1, 2, 3].map((n) => ({ n }));
    const view = (r: { n: number }) => r.n * 10;
    const keyOf = (r: { n: number }) => [r.n];

    const full = pageOf(rows, 2, view, keyOf);
    const last = pageOf(rows, 3, view, keyOf);

    expect(full.data).toEqual([10, 20]);
    expect(decodeCursor(full.nextCursor as string, z.tuple([z.number()]))).toEqual([2]);
    expect(last).toEqual({ data: [10, 20, 30], nextCursor: null });
  });
});

function thrownBy(act: () => unknown): unknown {
  try {
    act();
  } catch (err) {
    return err;
  }
  return undefined;
}
