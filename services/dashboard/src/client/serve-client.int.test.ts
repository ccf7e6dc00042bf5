import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardApp } from '../fake-upstream.fixture.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dashboard-client-'));
  await mkdir(join(dir, 'client', 'assets'), { recursive: true });
  await writeFile(join(dir, 'client', 'index.html'), '<!doctype html><title>app</title>');
  await writeFile(join(dir, 'client', 'assets', 'index-abc123.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'not for the web');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('serving the single-page app', () => {
  it('serves index.html with a policy that allows nothing from elsewhere', async () => {
    const { app } = dashboardApp({ CLIENT_DIR: join(dir, 'client') });
    const response = await app.request('/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toBe('<!doctype html><title>app</title>');
  });

  it('serves hashed assets cached for good, and the page for any app path', async () => {
    const { app } = dashboardApp({ CLIENT_DIR: join(dir, 'client') });
    const asset = await app.request('/assets/index-abc123.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(await asset.text()).toBe('console.log(1)');
    expect(await (await app.request('/history')).text()).toContain('<title>app</title>');
  });

  it('answers 404 for a missing file or API path, and never serves files outside the folder', async () => {
    const { app } = dashboardApp({ CLIENT_DIR: join(dir, 'client') });
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    const api = await app.request('/api/nothing');
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toBe('application/problem+json');
    const escape = await app.fetch(new Request('http://dashboard/..%2fsecret.txt'));
    expect(await escape.text()).not.toContain('not for the web');
  });

  it('says how to build the client when it is missing, and is not ready', async () => {
    const { app } = dashboardApp({ CLIENT_DIR: join(dir, 'nothing-here') });
    const response = await app.request('/');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { detail: string }).detail).toContain('build:client');
    expect((await app.request('/ready')).status).toBe(503);
    expect((await app.request('/health')).status).toBe(200);
  });
});
