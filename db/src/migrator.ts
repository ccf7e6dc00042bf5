import { MikroORM } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { migrations } from './migrations/index.ts';

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Applies every pending migration to the database at `url` (connect as the schema
 * owner, crypto_owner). Each migration runs in its own transaction; all or nothing.
 * MikroORM's Migrator keeps the log in the `mikro_orm_migrations` table.
 */
export async function migrate(url: string): Promise<MigrateResult> {
  const orm = await MikroORM.init({
    clientUrl: url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: { migrationsList: migrations, transactional: true, allOrNothing: true, snapshot: false, silent: true },
    debug: false,
    pool: { min: 0, max: 1 },
  });
  try {
    const migrator = orm.getMigrator();
    const executed = await migrator.getExecutedMigrations();
    const applied = await migrator.up();
    return { applied: applied.map((m) => m.name), alreadyApplied: executed.length };
  } finally {
    await orm.close(true);
  }
}
