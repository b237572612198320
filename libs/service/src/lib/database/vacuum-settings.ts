import { type DataSource, type EntityManager } from 'typeorm';

/** The server settings that decide whether Postgres reclaims dead rows by itself. */
export interface VacuumSettings {
  readonly autovacuum: boolean;
  /** Autovacuum picks its tables from these counts: off, it never runs, whatever `autovacuum` says. */
  readonly trackCounts: boolean;
}

/** The server's settings as this session sees them (a reload changes them for every session). */
export async function readVacuumSettings(db: DataSource | EntityManager): Promise<VacuumSettings> {
  const rows = (await db.query(
    `SELECT current_setting('autovacuum') = 'on' AS autovacuum,
            current_setting('track_counts') = 'on' AS track_counts`,
  )) as { autovacuum: boolean; track_counts: boolean }[];
  const row = rows[0];
  return { autovacuum: row?.autovacuum ?? false, trackCounts: row?.track_counts ?? false };
}

/** Whether autovacuum runs on this server. */
export function autovacuumRuns(settings: VacuumSettings): boolean {
  return settings.autovacuum && settings.trackCounts;
}

/**
 * What an operator must be told when autovacuum does not run, or null when it does. Every event
 * updates rows of the queue-like tables (outbox, inbox, deliveries, Stripe events): without
 * vacuum their dead rows and index entries are never reclaimed, and every claim and relay read
 * walks more of them as the days go by.
 */
export function vacuumWarning(settings: VacuumSettings): string | null {
  if (autovacuumRuns(settings)) return null;
  const off = [
    ...(settings.autovacuum ? [] : ['autovacuum']),
    ...(settings.trackCounts ? [] : ['track_counts']),
  ];
  return (
    `Postgres autovacuum does not run on this server (${off.map((s) => `${s} = off`).join(', ')}): ` +
    'the outbox, inbox, deliveries and Stripe events tables are updated at every event, and ' +
    'without vacuum their dead rows are never reclaimed, so claims and relay reads slow down ' +
    `as they pile up. Set ${off.map((s) => `${s} = on`).join(' and ')} in postgresql.conf ` +
    '(or ALTER SYSTEM) and reload the server.'
  );
}
