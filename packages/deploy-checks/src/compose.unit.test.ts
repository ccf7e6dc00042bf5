import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AFTER_FAILOVER_FILE,
  ENV_EXAMPLE_FILE,
  exampleEnvironment,
  loadCompose,
  readComposeFile,
  readEnvExample,
  requiredVariables,
} from './compose.ts';
import { createComposeValidator, describeErrors } from './compose-schema.ts';
import { InterpolationError } from './interpolation.ts';

const validate = createComposeValidator();
const secrets = requiredVariables();

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('is valid as docker compose reads it with a filled-in .env', () => {
    const { document } = loadCompose(exampleEnvironment());
    expect(describeErrors(validate(document))).toEqual([]);
  });

  it('is valid merged with the after-failover override, which is itself valid', () => {
    const { document: override } = loadCompose(exampleEnvironment(), AFTER_FAILOVER_FILE);
    expect(describeErrors(validate(override))).toEqual([]);
  });

  it('is a validator that does reject what compose rejects', () => {
    const { document } = loadCompose(exampleEnvironment());
    const broken = structuredClone(document);
    (broken.services['pg-master'] as Record<string, unknown>).restart_policy = 'always';
    (broken.services['pg-replica'] as Record<string, unknown>).ports = 5433;
    (broken.services['query-api']!.depends_on!['pg-replica'] as Record<string, unknown>).condition = 'service_ready';
    expect(describeErrors(validate(broken))).toEqual(
      expect.arrayContaining([
        '/services/pg-master must NOT have additional properties (restart_policy)',
        '/services/pg-replica/ports must be array',
        '/services/query-api/depends_on/pg-replica/condition must be equal to one of the allowed values',
      ]),
    );
  });
});

describe('secrets', () => {
  it('has the secrets documented in .env.example, every one empty there (no real secret in the repository)', () => {
    const example = readEnvExample();
    for (const name of secrets) expect(example.get(name), name).toBe('');
    expect([...secrets].sort()).toEqual([
      'ADMIN_PASSWORD',
      'API_KEYS',
      'COMMAND_DB_PASSWORD',
      'DASHBOARD_API_KEY',
      'OWNER_PASSWORD',
      'PGADMIN_DEFAULT_PASSWORD',
      'PROJECTOR_DB_PASSWORD',
      'QUERY_DB_PASSWORD',
      'REPLICATION_PASSWORD',
    ]);
  });

  it('makes compose refuse to start with .env.example as it is, naming every secret', () => {
    expect(() => loadCompose(readEnvExample())).toThrow(InterpolationError);
    try {
      loadCompose(readEnvExample());
    } catch (error) {
      expect((error as InterpolationError).missing.map((m) => m.name).sort()).toEqual([...secrets].sort());
      expect(new Set((error as InterpolationError).missing.map((m) => m.message))).toEqual(new Set(['set it in .env (see .env.example)']));
    }
  });

  it.each(secrets)('makes compose refuse to start when %s alone is missing or empty', (name) => {
    for (const value of [undefined, '']) {
      const variables = exampleEnvironment();
      if (value === undefined) variables.delete(name);
      else variables.set(name, value);
      let missing: string[] = [];
      try {
        loadCompose(variables);
      } catch (error) {
        missing = (error as InterpolationError).missing.map((m) => m.name);
      }
      expect(missing).toEqual([name]);
    }
  });

  it('writes no literal credential: each is a required variable, or an optional one empty by default', () => {
    const values = Object.values(readComposeFile().services).flatMap((service) => Object.entries(service.environment ?? {}));
    const urls = values.filter(([, value]) => value.startsWith('postgres://'));
    expect(urls.length).toBeGreaterThanOrEqual(5);
    for (const [, url] of urls) expect(url).toMatch(/^postgres:\/\/\w+:\$\{[A-Z_]+:\?[^}]*\}@/);
    const credentials = values.filter(([name]) => /(PASSWORD|API_KEYS?)$/.test(name));
    expect(credentials.length).toBeGreaterThanOrEqual(10);
    for (const [, value] of credentials) expect(value).toMatch(/^\$\{[A-Z_]+(:\?[^}]*|:-)\}$/);
  });
});

describe('.env.example', () => {
  it('documents exactly the variables docker-compose.yml uses', () => {
    const { referenced } = loadCompose(exampleEnvironment());
    expect([...readEnvExample().keys()].sort()).toEqual([...referenced].sort());
  });

  it('explains every variable in a comment above it', () => {
    const blocks = readFileSync(ENV_EXAMPLE_FILE, 'utf8').split(/\n\s*\n/);
    for (const block of blocks) {
      const lines = block.trim().split('\n');
      const firstVariable = lines.findIndex((line) => /^[A-Z_]+=/.test(line));
      if (firstVariable === -1) continue;
      expect(lines.slice(0, firstVariable).some((line) => line.startsWith('# ')), `comment above ${lines[firstVariable]}`).toBe(true);
    }
  });

  it('is the default of every optional setting, so an .env with only the secrets behaves the same', () => {
    const onlySecrets = new Map([...exampleEnvironment()].filter(([name]) => secrets.includes(name)));
    expect(loadCompose(onlySecrets).document).toEqual(loadCompose(exampleEnvironment()).document);
  });
});
