import { type RepositorySql } from '@switchyard/service';
import { type EntityManager } from 'typeorm';

/** Whether the row with this id in one of the partner-owned tables is the partner's. */
export async function ownedByPartner(
  sql: RepositorySql,
  db: EntityManager,
  table: 'endpoints' | 'messages',
  owner: { readonly partnerId: string; readonly id: string },
): Promise<boolean> {
  const rows = await sql.rows(
    db,
    `SELECT 1 FROM ${sql.schema}.${table} WHERE id = $1 AND partner_id = $2`,
    [owner.id, owner.partnerId],
  );
  return rows.length > 0;
}
