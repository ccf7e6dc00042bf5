import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@crypto-invest/logger';
import { createPool } from '@crypto-invest/postgres';
import { createPriceService } from '@crypto-invest/prices';
import { freePort } from '@crypto-invest/testing';
import { createApp } from './app.ts';
import { API_KEY, commandApiFixture, jsonRequest, QUERY_API_URL, type CommandApiFixture } from './command-api.fixture.ts';

let fx: CommandApiFixture;

beforeAll(async () => {
  fx = await commandApiFixture();
});
afterAll(async () => {
  await fx?.close();
});

describe('reads at the command API', () => {
  it.each([
    ['/history', `${QUERY_API_URL}/history`],
    ['/history?coin=bitcoin&limit=5&from=2021-01-01T00%3A00%3A00Z', `${QUERY_API_URL}/history?coin=bitcoin&limit=5&from=2021-01-01T00%3A00%3A00Z`],
    ['/stats', `${QUERY_API_URL}/stats`],
    ['/stats?after=12.34', `${QUERY_API_URL}/stats?after=12.34`],
  ])('redirect %s with 307 to the query API, same path and query', async (path, location) => {
    const res = await fx.sut().request(path, { redirect: 'manual' });
    expect(res.status).toBe(307);
    expect(res.headers.get('location')).toBe(location);
    expect(await res.text()).toBe('');
  });

  it('needs no API key and holds no read connection', async () => {
    const { rows } = await fx.db.admin.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'command-api-test'",
    );
    const res = await fx.sut().request('/stats');
    expect(res.status).toBe(307);
    const after = await fx.db.admin.query<{ n: number }>(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = 'command-api-test'",
    );
    expect(after.rows[0]!.n).toBe(rows[0]!.n);
  });
});

describe('operations', () => {
  it('is alive, and ready when the primary answers with the migrations applied', async () => {
    const app = fx.sut();
    expect(await (await app.request('/health')).json()).toMatchObject({ status: 'ok', service: 'command-api' });
    const ready = await app.request('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { primary: { ok: true, migrations_applied: true, in_recovery: false } } });
  });

  it('serves its OpenAPI document and the offline Swagger UI', async () => {
    const app = fx.sut();
    const doc = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths).sort()).toEqual(['/health', '/history', '/imports', '/invest', '/investments', '/investments/{id}', '/ready', '/stats']);
    expect(Object.keys(doc.paths['/invest']!.post!.responses).sort()).toEqual(['200', '400', '401', '413', '415', '422', '429', '500', '503']);
    expect(Object.keys(doc.paths['/investments']!.post!.responses).sort()).toEqual(['201', '400', '401', '413', '415', '422', '429', '500', '503']);
    expect(Object.keys(doc.paths['/investments/{id}']!.delete!.responses).sort()).toEqual(['200', '400', '401', '404', '429', '500', '503']);
    expect(Object.keys(doc.paths['/imports']!.post!.responses).sort()).toEqual(['200', '400', '401', '413', '415', '422', '429', '500', '503']);
    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui-bundle.js');
    expect((await app.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('counts recorded investments in /metrics', async () => {
    const app = fx.sut();
    await app.request('/invest', {
      method: 'POST',
      body: '{"coin":"bitcoin","amount":1,"purchase_price_usd":1}',
      headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-0123456789abcdefghij' },
    });
    const text = await (await app.request('/metrics')).text();
    expect(text).toMatch(/investments_recorded_total\{route="POST \/invest",price_source="user",service="command-api"\} 1/);
  });
});

describe('the primary out of reach', () => {
  it('answers writes with a 503 that says nothing was recorded, and /ready with 503, within the connect timeout', async () => {
    const logger = createLogger({ service: 'command-api-test', level: 'silent' });
    const pool = createPool({ url: `postgres://crypto_command:x@127.0.0.1:${await freePort()}/nowhere`, name: 'down', connectTimeoutMs: 500, logger });
    const app = createApp({
      config: { auth: { mode: 'required', keys: [API_KEY] }, queryApiPublicUrl: QUERY_API_URL, idempotency: { ttlHours: 24 } },
      logger,
      pool,
      prices: createPriceService({ baseUrl: fx.fake.url, logger }),
    });
    try {
      for (const headers of [{}, { 'idempotency-key': 'while-down' }] as Array<Record<string, string>>) {
        const res = await app.request('/invest', jsonRequest('{"coin":"bitcoin","amount":1,"purchase_price_usd":100}', headers));
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(await res.json()).toMatchObject({ type: '/problems/database-unavailable', detail: expect.stringContaining('nothing was recorded') });
      }
      const ready = await app.request('/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'not_ready', checks: { primary: { ok: false, reachable: false } } });
    } finally {
      await pool.end();
    }
  });
});
