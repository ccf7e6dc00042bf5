import { errorSummary, type Pool } from './pool.ts';

/** Readiness of a writer: the primary answers, is not in recovery, and has `latestMigration` applied. */
export async function checkPrimary(pool: Pool, latestMigration: string) {
  try {
    const { rows } = await pool.query<{ in_recovery: boolean; migrated: boolean }>(
      `select pg_is_in_recovery() as in_recovery,
              exists (select 1 from mikro_orm_migrations where name = $1) as migrated`,
      [latestMigration],
    );
    const row = rows[0]!;
    return { ok: !row.in_recovery && row.migrated, reachable: true, in_recovery: row.in_recovery, migrations_applied: row.migrated };
  } catch (error) {
    return { ok: false, reachable: false, error: errorSummary(error).message };
  }
}
