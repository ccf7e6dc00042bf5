import { describe, expect, it } from 'vitest';
import { createLogger } from '@crypto-invest/logger';
import { corsForOrigins, createServiceApp, rateLimit, requireApiKey } from './index.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const KEY_A = 'a'.repeat(32);
const KEY_B = 'b'.repeat(32);

function limitedApp(now: () => number) {
  const { app } = createServiceApp({ service: 'test', logger });
  app.post('/write', requireApiKey({ mode: 'required', keys: [KEY_A, KEY_B] }), rateLimit({ requestsPerSecond: 2, burst: 3, what: 'writes', now }), (c) =>
    c.text('ok'),
  );
  return app;
}
const write = (app: ReturnType<typeof limitedApp>, key: string) =>
  app.request('/write', { method: 'POST', headers: { authorization: `Bearer ${key}` } });

describe('rateLimit', () => {
  it('lets a burst through, then answers 429 problem+json with Retry-After until tokens come back', async () => {
    let clock = 0;
    const app = limitedApp(() => clock);
    for (let i = 0; i < 3; i++) expect((await write(app, KEY_A)).status).toBe(200);
    const limited = await write(app, KEY_A);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.headers.get('retry-after')).toBe('1');
    const problem = (await limited.json()) as { type: string; status: number; detail: string };
    expect(problem).toMatchObject({ type: '/problems/rate-limited', status: 429 });
    expect(problem.detail).toContain('at most 2 writes per second per API key (bursts of 3)');
    // 2 per second: one token is back after 500 ms, not before.
    clock = 499;
    expect((await write(app, KEY_A)).status).toBe(429);
    clock = 500;
    expect((await write(app, KEY_A)).status).toBe(200);
    expect((await write(app, KEY_A)).status).toBe(429);
  });

  it('keeps one bucket per API key', async () => {
    const app = limitedApp(() => 0);
    for (let i = 0; i < 3; i++) expect((await write(app, KEY_A)).status).toBe(200);
    expect((await write(app, KEY_A)).status).toBe(429);
    expect((await write(app, KEY_B)).status).toBe(200);
  });

  it('never counts requests without a valid key (auth runs first)', async () => {
    const app = limitedApp(() => 0);
    for (let i = 0; i < 10; i++) expect((await write(app, 'wrong'.repeat(6))).status).toBe(401);
    expect((await write(app, KEY_A)).status).toBe(200);
  });

  it('refuses nonsense settings', () => {
    expect(() => rateLimit({ requestsPerSecond: 0, burst: 1 })).toThrow();
    expect(() => rateLimit({ requestsPerSecond: 1, burst: 0 })).toThrow();
  });
});

describe('corsForOrigins', () => {
  const DASHBOARD = 'http://127.0.0.1:8501';
  function corsApp() {
    const { app } = createServiceApp({ service: 'test', logger });
    app.use(corsForOrigins({ origins: [DASHBOARD] }));
    app.get('/stats', (c) => c.json({ ok: true }));
    return app;
  }

  it('answers the allowed origin with its own origin (never *) and readable custom headers', async () => {
    const res = await corsApp().request('/stats', { headers: { origin: DASHBOARD } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Consistency-Token');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toContain('Origin');
  });

  it('gives other origins no CORS header, and refuses their preflight', async () => {
    const app = corsApp();
    const res = await app.request('/stats', { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.request('/stats', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('content-type')).toBe('application/problem+json');
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers the allowed origin’s preflight with the methods and headers a page may use', async () => {
    const res = await corsApp().request('/invest', {
      method: 'OPTIONS',
      headers: { origin: DASHBOARD, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, DELETE');
    expect(res.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('refuses a wildcard or anything that is not an exact origin', () => {
    expect(() => corsForOrigins({ origins: ['*'] })).toThrow();
    expect(() => corsForOrigins({ origins: ['http://127.0.0.1:8501/'] })).toThrow();
    expect(() => corsForOrigins({ origins: ['127.0.0.1:8501'] })).toThrow();
  });
});
