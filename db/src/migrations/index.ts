import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261203000100_core_schema } from './Migration20261203000100_core_schema.ts';

/**
 * Every migration, in order. Listed explicitly (not globbed from disk) so the same
 * list works from TypeScript sources, compiled output and a container image.
 * Add new ones at the end with a later timestamp.
 */
export const migrations: MigrationObject[] = [
  { name: 'Migration20261203000100_core_schema', class: Migration20261203000100_core_schema },
];
