import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp as createCommandApi } from '@crypto-invest/command-api/src/app.ts';
import { loadCommandApiConfig } from '@crypto-invest/command-api/src/config.ts';
import { createApp as createDashboard } from '@crypto-invest/dashboard/src/app.ts';
import { loadDashboardConfig } from '@crypto-invest/dashboard/src/config.ts';
import { createLogger } from '@crypto-invest/logger';
import { createPool, type Pool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { createApp as createProjectorApp } from '@crypto-invest/projector/src/app.ts';
import { loadProjectorConfig } from '@crypto-invest/projector/src/config.ts';
import { Projector } from '@crypto-invest/projector/src/projection/projector.ts';
import { createApp as createQueryApi, type QueryApi } from '@crypto-invest/query-api/src/app.ts';
import { loadQueryApiConfig } from '@crypto-invest/query-api/src/config.ts';
import { freshDatabase, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFingerprint } from '../database-fingerprint.ts';

// The HTTP doors of every service, in-process with real dependencies: which routes need
// an API key, the write rate limit, CORS for the dashboard's origin only, secure headers,
// and the dashboard page's Content-Security-Policy.
const KEY = 'doors-key-0123456789abcdefghijklmn';
const OTHER_KEY = 'doors-other-key-0123456789abcdefgh';
const DASHBOARD_ORIGIN = 'http://127.0.0.1:8501';
const EVIL_ORIGIN = 'https://evil.example';
const logger = createLogger({ service: 'doors-test', level: 'silent' });

let db: TestDatabase;
let fake: FakeCoinGecko;
let commandPool: Pool;
let projectorPool: Pool;
let replicaPool: Pool;
let projector: Projector;
let queryApi: QueryApi;
let clientDir: string;

/** The command API as index.ts builds it, from its own config (env), on the test database. */
function commandApi(env: Record<string, string> = {}) {
  const config = loadCommandApiConfig({ DATABASE_URL: db.url('command'), API_KEYS: `${KEY},${OTHER_KEY}`, COINGECKO_BASE_URL: fake.url, LOG_LEVEL: 'silent', ...env });
  return createCommandApi({ config, logger, pool: commandPool, prices: createPriceService({ ...config.prices, logger }) });
}

beforeAll(async () => {
  db = await freshDatabase();
  fake = await startFakeCoinGecko();
  commandPool = createPool({ url: db.url('command'), name: 'doors-command', max: 4, logger });
  projectorPool = createPool({ url: db.url('projector'), name: 'doors-projector', max: 4, logger });
  replicaPool = createPool({ url: db.url('query', 'replica'), name: 'doors-query', max: 4, logger });
  projector = new Projector({ pool: projectorPool, databaseUrl: db.url('projector'), logger, settings: loadProjectorConfig({ DATABASE_URL: db.url('projector'), API_KEYS: KEY }).projection });
  queryApi = createQueryApi({ config: loadQueryApiConfig({ REPLICA_URLS: db.url('query', 'replica'), LOG_LEVEL: 'silent' }), logger, replicas: [replicaPool], currentPrices: async () => new Map() });
  await queryApi.start();
  clientDir = await mkdtemp(join(tmpdir(), 'doors-client-'));
  await writeFile(join(clientDir, 'index.html'), '<!doctype html><title>crypto-invest</title>');
});

afterAll(async () => {
  queryApi?.stop();
  await projector?.stop();
  await Promise.all([commandPool, projectorPool, replicaPool].map((p) => p?.end()));
  await fake?.close();
  await db?.drop();
  await rm(clientDir, { recursive: true, force: true });
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys', () => {
  it('guard every command API operation that is not a read: POST /invest, /investments, /imports, DELETE /investments/{id}', async () => {
    const app = commandApi();
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const writes = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([method]) => method !== 'get')
        .map(([method, op]) => ({ method: method.toUpperCase(), path, security: op.security })),
    );
    expect(writes.map((w) => `${w.method} ${w.path}`).sort()).toEqual(['DELETE /investments/{id}', 'POST /imports', 'POST /invest', 'POST /investments']);
    const before = await databaseFingerprint(db.admin);
    for (const write of writes) {
      expect(write.security, `${write.method} ${write.path} declares its key`).toEqual([{ apiKey: [] }]);
      const url = write.path.replace('{id}', '1');
      const init = (headers: Record<string, string>) => ({ method: write.method, headers: { 'content-type': 'text/plain', ...headers }, body: write.method === 'POST' ? 'x' : undefined });
      for (const headers of [{}, bearer('wrong-key-0123456789abcdefghijkl'), bearer(KEY.slice(0, -1)), { authorization: `Basic ${KEY}` }]) {
        const response = await app.request(url, init(headers));
        expect(response.status, `${write.method} ${url} with ${JSON.stringify(headers)}`).toBe(401);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
      }
      // With a key the request gets past the door (and is then refused for what it is: a text body, an unknown id).
      expect([400, 404, 415]).toContain((await app.request(url, init(bearer(KEY)))).status);
    }
    expect(await databaseFingerprint(db.admin)).toEqual(before);
  });

  it('guard every operation of the projector’s admin API', async () => {
    const config = loadProjectorConfig({ DATABASE_URL: db.url('projector'), API_KEYS: KEY, LOG_LEVEL: 'silent' });
    const app = createProjectorApp({ config, logger, pool: projectorPool, projector });
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const admin = Object.entries(document.paths).filter(([path]) => path.startsWith('/admin')).flatMap(([path, ops]) => Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path: path.replace('{id}', '1') })));
    expect(admin.map((a) => `${a.method} ${a.path}`).sort()).toEqual(['GET /admin/rebuilds/1', 'GET /admin/status', 'POST /admin/rebuild']);
    for (const { method, path } of admin) {
      for (const headers of [{}, bearer('wrong-key-0123456789abcdefghijkl'), { authorization: KEY }]) {
        expect((await app.request(path, { method, headers })).status, `${method} ${path}`).toBe(401);
      }
    }
    expect((await app.request('/admin/status', { headers: bearer(KEY) })).status).toBe(200);
  });
});

describe('the write rate limit', () => {
  it('is generous by default (benchmarks are not throttled)', () => {
    const config = loadCommandApiConfig({ DATABASE_URL: db.url('command'), API_KEYS: KEY });
    expect(config.writeRateLimit).toEqual({ requestsPerSecond: 1_000, burst: 2_000 });
  });

  it('answers 429 problem+json with Retry-After once a key has spent its burst, on every write route, per key', async () => {
    const app = commandApi({ WRITE_RATE_LIMIT_PER_SECOND: '0.5', WRITE_RATE_LIMIT_BURST: '4' });
    const json = (key: string) => ({ ...bearer(key), 'content-type': 'application/json' });
    const body = '{"coin":"bitcoin","amount":"0.5","purchase_price_usd":"20000"}';
    expect((await app.request('/invest', { method: 'POST', headers: json(KEY), body })).status).toBe(200);
    expect((await app.request('/investments', { method: 'POST', headers: json(KEY), body: body.replace('0.5', '0.6') })).status).toBe(201);
    expect((await app.request('/investments/999999', { method: 'DELETE', headers: bearer(KEY) })).status).toBe(404);
    expect((await app.request('/imports?dry_run=true', { method: 'POST', headers: { ...bearer(KEY), 'content-type': 'text/csv' }, body: 'timestamp,coin,amount,purchase_price_usd\n' })).status).toBe(200);
    // Requests without a valid key never reach the limiter (and are not counted).
    for (let i = 0; i < 5; i++) expect((await app.request('/invest', { method: 'POST', headers: json('not-a-key-0123456789abcdefghijk'), body })).status).toBe(401);
    const before = await databaseFingerprint(db.admin);
    for (const [path, init] of [
      ['/invest', { method: 'POST', headers: json(KEY), body: body.replace('0.5', '0.7') }],
      ['/investments', { method: 'POST', headers: json(KEY), body: body.replace('0.5', '0.8') }],
      ['/investments/1', { method: 'DELETE', headers: bearer(KEY) }],
      ['/imports', { method: 'POST', headers: { ...bearer(KEY), 'content-type': 'text/csv' }, body: 'timestamp,coin,amount,purchase_price_usd\n2021-01-01,bitcoin,1,100\n' }],
    ] as const) {
      const limited = await app.request(path, init);
      expect(limited.status, path).toBe(429);
      expect(limited.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await limited.json()).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    }
    expect(await databaseFingerprint(db.admin)).toEqual(before);
    // Another key has its own bucket; reads are not limited.
    expect((await app.request('/invest', { method: 'POST', headers: json(OTHER_KEY), body: body.replace('0.5', '0.9') })).status).toBe(200);
    expect((await app.request('/stats')).status).toBe(307);
  });
});

describe('CORS', () => {
  const apps = () => ({ 'command API': commandApi(), 'query API': queryApi.app });

  it('defaults to the local dashboard’s origin and refuses a wildcard', () => {
    for (const load of [
      (env: Record<string, string>) => loadCommandApiConfig({ DATABASE_URL: db.url('command'), API_KEYS: KEY, ...env }),
      (env: Record<string, string>) => loadQueryApiConfig({ REPLICA_URLS: db.url('query', 'replica'), ...env }),
    ]) {
      expect(load({}).cors.origins).toEqual(['http://127.0.0.1:8501', 'http://localhost:8501']);
      expect(() => load({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS/);
      expect(() => load({ CORS_ORIGINS: 'http://127.0.0.1:8501,*' })).toThrow(/CORS_ORIGINS/);
    }
  });

  it('lets only the dashboard’s origin read answers from a browser', async () => {
    for (const [name, app] of Object.entries(apps())) {
      const allowed = await app.request('/health', { headers: { origin: DASHBOARD_ORIGIN } });
      expect(allowed.headers.get('access-control-allow-origin'), name).toBe(DASHBOARD_ORIGIN);
      const evil = await app.request('/health', { headers: { origin: EVIL_ORIGIN } });
      expect(evil.headers.get('access-control-allow-origin'), name).toBeNull();
      const preflight = await app.request('/stats', { method: 'OPTIONS', headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'GET' } });
      expect(preflight.status, name).toBe(403);
      const ok = await app.request('/stats', { method: 'OPTIONS', headers: { origin: DASHBOARD_ORIGIN, 'access-control-request-method': 'GET' } });
      expect(ok.status, name).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(DASHBOARD_ORIGIN);
    }
  });

  it('does not let another origin’s page write with a preflight', async () => {
    const preflight = await commandApi().request('/invest', {
      method: 'OPTIONS',
      headers: { origin: EVIL_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('secure headers', () => {
  it('are on every service’s answers, errors included', async () => {
    const projectorApp = createProjectorApp({ config: loadProjectorConfig({ DATABASE_URL: db.url('projector'), API_KEYS: KEY }), logger, pool: projectorPool, projector });
    const dashboard = createDashboard({ config: loadDashboardConfig({ CLIENT_DIR: clientDir, LOG_LEVEL: 'silent' }), logger });
    const targets: Array<[string, { request: (path: string, init?: RequestInit) => Response | Promise<Response> }, string[]]> = [
      ['command API', commandApi(), ['/health', '/nope', '/invest']],
      ['query API', queryApi.app, ['/health', '/nope', '/history?limit=0']],
      ['projector', projectorApp, ['/health', '/admin/status']],
      ['dashboard', dashboard, ['/health', '/', '/api/nope']],
    ];
    for (const [name, app, paths] of targets) {
      for (const path of paths) {
        const response = await app.request(path, path === '/invest' ? { method: 'POST' } : {});
        const where = `${name} ${path} (${response.status})`;
        expect(response.headers.get('x-content-type-options'), where).toBe('nosniff');
        expect(response.headers.get('x-frame-options'), where).toBe('SAMEORIGIN');
        expect(response.headers.get('referrer-policy'), where).toBe('no-referrer');
        expect(response.headers.get('strict-transport-security'), where).toMatch(/max-age=\d+/);
        expect(response.headers.get('cross-origin-resource-policy'), where).toBe('same-site');
        expect(response.headers.get('x-powered-by'), where).toBeNull();
      }
    }
  });

  it('the dashboard’s page allows nothing from anywhere else (Content-Security-Policy)', async () => {
    const dashboard = createDashboard({ config: loadDashboardConfig({ CLIENT_DIR: clientDir, LOG_LEVEL: 'silent' }), logger });
    const page = await dashboard.request('/');
    expect(page.status).toBe(200);
    const policy = Object.fromEntries(
      (page.headers.get('content-security-policy') ?? '').split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]),
    );
    expect(policy).toMatchObject({
      'default-src': "'self'",
      'script-src': "'self'",
      'connect-src': "'self'",
      'object-src': "'none'",
      'frame-ancestors': "'none'",
      'base-uri': "'self'",
      'form-action': "'self'",
    });
    expect(page.headers.get('content-security-policy')).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});

describe('body size limits', () => {
  it('refuse a JSON body over 16 KiB and a CSV file over IMPORT_MAX_BYTES with 413, before reading them whole', async () => {
    const app = commandApi({ IMPORT_MAX_BYTES: '2048' });
    const big = await app.request('/invest', {
      method: 'POST',
      headers: { ...bearer(KEY), 'content-type': 'application/json' },
      body: JSON.stringify({ coin: 'bitcoin', amount: 1, note: 'x'.repeat(20_000) }),
    });
    expect(big.status).toBe(413);
    const declared = await app.request('/imports', {
      method: 'POST',
      headers: { ...bearer(KEY), 'content-type': 'text/csv', 'content-length': '999999999' },
      body: 'timestamp,coin,amount,purchase_price_usd\n',
    });
    expect(declared.status).toBe(413);
    const streamed = await app.request('/imports', {
      method: 'POST',
      headers: { ...bearer(KEY), 'content-type': 'text/csv' },
      body: 'timestamp,coin,amount,purchase_price_usd\n' + '2021-01-01,bitcoin,1,100\n'.repeat(200),
    });
    expect(streamed.status).toBe(413);
    for (const response of [big, declared, streamed]) expect(response.headers.get('content-type')).toBe('application/problem+json');
  });
});
