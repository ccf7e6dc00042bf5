/**
 * The newest migration's name: services report "not ready" until it is applied.
 * Kept in its own module so services can import it without loading the migrator;
 * migrations.unit.test.ts checks it names the last entry of the migration list.
 */
export const LATEST_MIGRATION = 'Migration20261203004000_import_staging';
