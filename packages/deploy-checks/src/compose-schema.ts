import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';

const require = createRequire(import.meta.url);

/** The Compose Specification JSON schema, as bundled by the dclint package. */
export const COMPOSE_SCHEMA_FILE = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');

/**
 * Validates a compose document against the Compose Specification schema. The schema says
 * draft-07 but spells the meta-schema's URI in a way ajv does not know, so that reference is
 * dropped (ajv's default dialect is draft-07); strictTypes is off because the schema itself
 * leaves `type` implicit in places — neither changes what a document must satisfy.
 */
export function createComposeValidator(): (document: unknown) => ErrorObject[] {
  const { $schema: _dialect, ...schema } = JSON.parse(readFileSync(COMPOSE_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(schema);
  return (document) => (validate(document) ? [] : [...(validate.errors ?? [])]);
}

export function describeErrors(errors: ErrorObject[]): string[] {
  return errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}
