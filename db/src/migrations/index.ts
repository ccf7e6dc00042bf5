import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261203000100_core_schema } from './Migration20261203000100_core_schema.ts';
import { Migration20261203002000_projector_support } from './Migration20261203002000_projector_support.ts';
import { Migration20261203002100_rebuild_bulk_replay } from './Migration20261203002100_rebuild_bulk_replay.ts';
import { Migration20261203003000_projection_lag } from './Migration20261203003000_projection_lag.ts';
import { Migration20261203004000_import_staging } from './Migration20261203004000_import_staging.ts';

/**
 * Every migration, in order. Listed explicitly (not globbed from disk) so the same
 * list works from TypeScript sources, compiled output and a container image.
 * Add new ones at the end with a later timestamp.
 */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261203000100_core_schema', class: Migration20261203000100_core_schema },
  { name: 'Migration20261203002000_projector_support', class: Migration20261203002000_projector_support },
  { name: 'Migration20261203002100_rebuild_bulk_replay', class: Migration20261203002100_rebuild_bulk_replay },
  { name: 'Migration20261203003000_projection_lag', class: Migration20261203003000_projection_lag },
  { name: 'Migration20261203004000_import_staging', class: Migration20261203004000_import_staging },
];
