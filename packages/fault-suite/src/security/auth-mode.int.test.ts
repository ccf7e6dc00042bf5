import { join } from 'node:path';
import { loadCommandApiConfig } from '@crypto-invest/command-api/src/config.ts';
import { ConfigError } from '@crypto-invest/config';
import { loadDashboardConfig } from '@crypto-invest/dashboard/src/config.ts';
import { REPO_ROOT, spawnNodeProcess, stopProcess, waitHealthy, type ManagedProcess } from '@crypto-invest/local-stack';
import { loadProjectorConfig } from '@crypto-invest/projector/src/config.ts';
import { loadQueryApiConfig } from '@crypto-invest/query-api/src/config.ts';
import { freePort, freshDatabase, type TestDatabase } from '@crypto-invest/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Keys are required unless AUTH=disabled is asked for; disabling is refused off loopback,
// and when it is on, the service says so loudly (a warning) as it starts. Services listen
// on 127.0.0.1 unless told otherwise.
let db: TestDatabase;
beforeAll(async () => {
  db = await freshDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const KEYED = {
  'command-api': { load: loadCommandApiConfig, env: () => ({ DATABASE_URL: db.url('command') }) },
  projector: { load: loadProjectorConfig, env: () => ({ DATABASE_URL: db.url('projector') }) },
} as const;
type KeyedService = keyof typeof KEYED;

const refusal = (load: (env: Record<string, string>) => unknown, env: Record<string, string>) => {
  try {
    load(env);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
};

describe.each(Object.keys(KEYED) as KeyedService[])('%s: API keys and AUTH', (service) => {
  const { load, env } = KEYED[service];

  it('requires API_KEYS (each ≥ 24 characters) unless AUTH=disabled', () => {
    expect(refusal(load, env())).toMatch(/API_KEYS/);
    expect(refusal(load, { ...env(), API_KEYS: 'short' })).toMatch(/at least 24/);
    expect(refusal(load, { ...env(), API_KEYS: 'k'.repeat(24) })).toBeUndefined();
    expect(refusal(load, { ...env(), AUTH: 'disabled' })).toBeUndefined();
    expect(refusal(load, { ...env(), AUTH: 'off' })).toMatch(/AUTH/);
  });

  it('refuses AUTH=disabled off loopback', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com']) {
      expect(refusal(load, { ...env(), AUTH: 'disabled', HOST: host }), host).toMatch(/AUTH=disabled is refused when binding to/);
    }
    for (const host of ['127.0.0.1', '::1', 'localhost']) expect(refusal(load, { ...env(), AUTH: 'disabled', HOST: host }), host).toBeUndefined();
  });

  it('as a process: refuses to start with AUTH=disabled on 0.0.0.0', async () => {
    const lines: string[] = [];
    const proc = spawn(service, { ...env(), AUTH: 'disabled', HOST: '0.0.0.0', PORT: String(await freePort()) }, lines);
    const code = await Promise.race([proc.exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 20_000))]);
    if (code === 'still running') await stopProcess(proc);
    expect(code).not.toBe(0);
    expect(code).not.toBe('still running');
    expect(lines.join('\n')).toMatch(/AUTH=disabled is refused when binding to 0\.0\.0\.0/);
  });

  it('as a process: with AUTH=disabled on loopback, warns loudly as it starts', async () => {
    const lines: string[] = [];
    const port = await freePort();
    const proc = spawn(service, { ...env(), AUTH: 'disabled', PORT: String(port) }, lines);
    try {
      await waitHealthy(`http://127.0.0.1:${port}/health`, proc);
      const warnings = lines.filter((line) => /"level":"(warn|error|fatal)"/.test(line) && /AUTH=disabled/.test(line));
      expect(warnings, `${service} started with AUTH=disabled without a warning; it logged:\n${lines.slice(0, 15).join('\n')}`).not.toEqual([]);
    } finally {
      await stopProcess(proc);
    }
  });
});

describe('where services listen', () => {
  it('is 127.0.0.1 unless HOST says otherwise, for every service', () => {
    expect(loadCommandApiConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', API_KEYS: 'k'.repeat(24) }).http.host).toBe('127.0.0.1');
    expect(loadProjectorConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/x', API_KEYS: 'k'.repeat(24) }).http.host).toBe('127.0.0.1');
    expect(loadQueryApiConfig({ REPLICA_URLS: 'postgres://x@127.0.0.1/x' }).http.host).toBe('127.0.0.1');
    expect(loadDashboardConfig({}).http.host).toBe('127.0.0.1');
  });
});

function spawn(service: KeyedService, env: Record<string, string>, lines: string[]): ManagedProcess {
  return spawnNodeProcess({
    name: service,
    entry: join(REPO_ROOT, 'services', service, 'src', 'index.ts'),
    cwd: REPO_ROOT,
    env: { NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
    onLine: (line) => lines.push(line),
  });
}
