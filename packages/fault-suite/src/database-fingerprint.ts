import type pg from 'pg';

/**
 * Row count and an md5 of every row of every (logged) table in the public schema: two
 * fingerprints are equal only if the tables hold the same rows. Unlogged tables (the
 * import staging table) are left out: they are scratch, and not on a replica.
 */
export async function databaseFingerprint(db: pg.ClientBase): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r' and c.relpersistence = 'p' order by 1`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await db.query<{ n: string; h: string }>(
      `select count(*)::text n, coalesce(md5(string_agg(t::text, '|' order by t::text)), '-') h from "${name}" t`,
    );
    out[name] = `${rows[0]!.n} rows ${rows[0]!.h}`;
  }
  return out;
}
