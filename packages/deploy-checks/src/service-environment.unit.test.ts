import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, PRICE_ENV } from '@crypto-invest/config';
import type { Cluster } from '@crypto-invest/db';
import { serviceEnvironment, type ServiceName } from '@crypto-invest/local-stack';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, exampleEnvironment, loadCompose } from './compose.ts';

// Each service's src/config.ts is the one reader of its environment: the variables compose
// passes must satisfy it, and must cover what the local start (serviceEnvironment) passes.
const SERVICES: ServiceName[] = ['command-api', 'query-api', 'projector', 'dashboard'];
const { document: compose } = loadCompose(exampleEnvironment());

type LoadConfig = (environment: Record<string, string | undefined>) => unknown;

async function configLoader(service: ServiceName): Promise<LoadConfig> {
  const module = (await import(pathToFileURL(join(REPO_ROOT, 'services', service, 'src', 'config.ts')).href)) as Record<string, unknown>;
  const loaders = Object.entries(module).filter(([name, value]) => /^load\w*Config$/.test(name) && typeof value === 'function');
  if (loaders.length !== 1) throw new Error(`services/${service}/src/config.ts should export one load…Config function, found ${loaders.map(([n]) => n).join(', ') || 'none'}`);
  return loaders[0]![1] as LoadConfig;
}

/** The problems a service's config reports for an environment ([] when it starts). */
function configProblems(load: LoadConfig, environment: Record<string, string>): string[] {
  try {
    load(environment);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** Read by Node itself, not by a service's config. */
const RUNTIME_VARIABLES = ['NODE_OPTIONS'];

/**
 * The variable names a service reads: the keys of its config's zod object, those of the
 * shared fragments it spreads in (`...PRICE_ENV`), and Node's own.
 */
const declaredVariables = (service: ServiceName) => {
  const source = readFileSync(join(REPO_ROOT, 'services', service, 'src', 'config.ts'), 'utf8');
  const own = [...source.matchAll(/^\s*([A-Z][A-Z0-9_]+)\s*:/gm)].map((m) => m[1]!);
  const shared = source.includes('...PRICE_ENV') ? Object.keys(PRICE_ENV) : [];
  return new Set([...own, ...shared, ...RUNTIME_VARIABLES]);
};

const fakeCluster = {
  dir: '/nonexistent',
  primaryPort: 55432,
  replicaPort: 55433,
  host: '127.0.0.1',
  secrets: {},
  url: (role: string, { server = 'primary' } = {}) => `postgres://${role}:pw@127.0.0.1:${server === 'primary' ? 55432 : 55433}/crypto_invest`,
} as unknown as Cluster;

describe.each(SERVICES)('%s in docker compose', (name) => {
  const environment = compose.services[name]!.environment!;

  it('gets an environment its config accepts', async () => {
    const load = await configLoader(name);
    expect(configProblems(load, environment)).toEqual([]);
  });

  it('is refused by its config without the variables compose passes (the check can fail)', async () => {
    const load = await configLoader(name);
    expect(configProblems(load, {}).length + configProblems(load, { ...environment, PORT: 'not-a-port' }).length).toBeGreaterThan(0);
  });

  it('gets every variable the local start passes it (of those its config reads)', () => {
    const declared = declaredVariables(name);
    const local = serviceEnvironment(name, {
      cluster: fakeCluster,
      apiKeys: ['local-key-0123456789abcdefghij'],
      coingeckoBaseUrl: 'http://127.0.0.1:9/api/v3',
      logDir: '/nonexistent',
    });
    expect(Object.keys(local).filter((variable) => declared.has(variable) && !(variable in environment))).toEqual([]);
  });

  it('gets no variable its config does not declare', () => {
    const declared = declaredVariables(name);
    expect(Object.keys(environment).filter((variable) => !declared.has(variable))).toEqual([]);
  });
});

describe('migrate in docker compose', () => {
  it('gets the variable the migration runner reads: the owner on the primary', () => {
    const source = readFileSync(join(REPO_ROOT, 'db', 'src', 'cli', 'migrate.ts'), 'utf8');
    const reads = new Set([...source.matchAll(/process\.env\.([A-Z_]+)/g)].map((m) => m[1]!));
    const environment = compose.services.migrate!.environment!;
    expect(reads.has('MIGRATE_DATABASE_URL')).toBe(true);
    expect(Object.keys(environment).filter((variable) => variable !== 'NODE_ENV' && !reads.has(variable))).toEqual([]);
    expect(environment.MIGRATE_DATABASE_URL).toMatch(/^postgres:\/\/crypto_owner:/);
  });
});
