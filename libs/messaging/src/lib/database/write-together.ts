import { type EntityManager } from 'typeorm';
import { queryPrepared, type StatementOptions } from './prepared-query';

/**
 * One part of a statement that makes several writes: an INSERT, UPDATE or DELETE with a
 * RETURNING clause (or a SELECT, to learn something in the same round trip), whose text numbers
 * its own parameters from `$1`, as if it ran alone.
 */
export interface WritePart extends StatementOptions {
  readonly text: string;
  readonly params: readonly unknown[];
}

/**
 * The parts as one statement, a CTE each, their parameters numbered on from one part to the
 * next, answering how many rows each part returned (`n0`, `n1`…). Parameters are found as `$n` in
 * the text: parts hold none in their literals.
 */
export function combineWrites(parts: readonly WritePart[]): WritePart {
  let offset = 0;
  const ctes = parts.map((part, i) => {
    const shift = offset;
    offset += part.params.length;
    const text = part.text.replace(/\$(\d+)/g, (_, n: string) => {
      // A number past the part's own would read the next part's parameter.
      if (Number(n) > part.params.length)
        throw new RangeError(`$${n} in a part with ${part.params.length} parameters: ${part.text}`);
      return `$${Number(n) + shift}`;
    });
    return `w${i} AS (${text})`;
  });
  const counts = parts.map((_, i) => `(SELECT count(*) FROM w${i})::int AS n${i}`);
  return {
    text: `WITH ${ctes.join(', ')} SELECT ${counts.join(', ')}`,
    params: parts.flatMap((p) => p.params),
    // One part looking up a batch's rows makes the whole statement worth planning per call.
    planForValues: parts.some((p) => p.planForValues === true),
  };
}

/**
 * Makes writes of several tables in one statement, so one round trip: inside a transaction, one
 * of its statements; alone, committed together. Answers how many rows each part returned, in the
 * order given (0 for a part left null, which is skipped). Postgres runs every part to completion,
 * all of them on the database as the statement began: no part sees another's rows, and no two
 * parts may change the same row (only one of the changes would be kept).
 */
export async function writeTogether(
  db: EntityManager,
  parts: readonly (WritePart | null)[],
): Promise<number[]> {
  const present = parts.filter((p): p is WritePart => p !== null);
  if (present.length === 0) return parts.map(() => 0);
  if (present.length === 1) {
    const part = present[0] as WritePart;
    const { rowCount } = await queryPrepared(db, part.text, part.params, part);
    return parts.map((p) => (p === null ? 0 : rowCount));
  }
  const combined = combineWrites(present);
  const { rows } = await queryPrepared<Record<string, number>>(
    db,
    combined.text,
    combined.params,
    combined,
  );
  const counts = present.map((_, i) => rows[0]?.[`n${i}`] ?? 0);
  let next = 0;
  return parts.map((p) => (p === null ? 0 : (counts[next++] as number)));
}
