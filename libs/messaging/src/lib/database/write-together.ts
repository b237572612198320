import { type EntityManager } from 'typeorm';
import { queryPrepared } from './prepared-query';

/**
 * One write of a statement that makes several: an INSERT, UPDATE or DELETE whose text numbers
 * its own parameters from `$1`, as if it ran alone.
 */
export interface WritePart {
  readonly text: string;
  readonly params: readonly unknown[];
}

/**
 * The parts as one statement, a data-modifying CTE each, their parameters numbered on from one
 * part to the next. Parameters are found as `$n` in the text: parts hold none in their literals.
 */
export function combineWrites(parts: readonly WritePart[]): WritePart {
  let offset = 0;
  const ctes = parts.map((part, i) => {
    const shift = offset;
    offset += part.params.length;
    const text = part.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`);
    return `w${i} AS (${text})`;
  });
  return { text: `WITH ${ctes.join(', ')} SELECT 1`, params: parts.flatMap((p) => p.params) };
}

/**
 * Makes writes of several tables in one statement, so one round trip: inside a transaction, one
 * of its statements; alone, committed together. Postgres runs every part to completion, all of
 * them on the database as the statement began: no part sees another's rows, and no two parts may
 * change the same row (only one of the changes would be kept). Parts left null are skipped.
 */
export async function writeTogether(
  db: EntityManager,
  parts: readonly (WritePart | null)[],
): Promise<void> {
  const present = parts.filter((p): p is WritePart => p !== null);
  if (present.length === 0) return;
  const statement = present.length === 1 ? present[0] : combineWrites(present);
  await queryPrepared(db, (statement as WritePart).text, (statement as WritePart).params);
}
