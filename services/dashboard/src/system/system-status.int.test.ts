import { afterEach, describe, expect, it } from 'vitest';
import { dashboardApp, refusedUrl, startFakeUpstream } from '../fake-upstream.fixture.ts';

const KEY = 'dashboard-key-0123456789abcdef';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

const ready = (body: string, status = 200) =>
  startFakeUpstream((req, res) => {
    if (req.url === '/ready') return res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (req.url === '/admin/status') {
      if (req.headers.authorization !== `Bearer ${KEY}`) return res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{}');
      return res.writeHead(200, { 'content-type': 'application/json' }).end('{"state":"running","lag":{"events":0,"seconds":0.000123456789012345678}}');
    }
    res.writeHead(404).end();
  }).then((fake) => {
    cleanups.push(fake.close);
    return fake;
  });

describe('GET /api/system/status', () => {
  it("reports each service's readiness checks and the projector's status, numbers exact", async () => {
    const command = await ready('{"status":"ready","service":"command-api","checks":{"primary":{"ok":true,"latency_ms":1.25}}}');
    const query = await ready('{"status":"not_ready","service":"query-api","checks":{"replica":{"ok":false,"lag_bytes":123456789012345678901}}}', 503);
    const projector = await ready('{"status":"ready","service":"projector","checks":{}}');
    const { app } = dashboardApp({ COMMAND_API_URL: command.url, QUERY_API_URL: query.url, PROJECTOR_URL: projector.url, DASHBOARD_API_KEY: KEY });

    const response = await app.request('/api/system/status');
    expect(response.status).toBe(200);
    const text = await response.text();
    // Lossless all the way: a plain JSON.parse on the way through would have rounded these.
    expect(text).toContain('"lag_bytes":123456789012345678901');
    expect(text).toContain('"seconds":0.000123456789012345678');
    const body = JSON.parse(text) as Record<string, Record<string, Record<string, unknown>>>;
    expect(body.services!['command-api']).toMatchObject({ reachable: true, ready: true, http_status: 200, checks: { primary: { ok: true } } });
    expect(body.services!['query-api']).toMatchObject({ reachable: true, ready: false, http_status: 503, checks: { replica: { ok: false } } });
    expect(body.projector).toMatchObject({ available: true, status: { state: 'running' } });
  });

  it('says which service is unreachable, and that the projector refused a missing key, without failing itself', async () => {
    const projector = await ready('{"status":"ready","service":"projector","checks":{}}');
    const down = await refusedUrl();
    const { app } = dashboardApp({ COMMAND_API_URL: down, QUERY_API_URL: down, PROJECTOR_URL: projector.url });
    const body = (await (await app.request('/api/system/status')).json()) as Record<string, Record<string, Record<string, unknown>>>;
    expect(body.services!['command-api']).toEqual({ reachable: false, ready: false, http_status: null, checks: null, problem: 'unreachable' });
    expect(body.projector).toEqual({ available: false, http_status: 401, status: null, problem: 'unauthorized' });
  });

  it('gives up on a service that does not answer within the limit', async () => {
    const silent = await startFakeUpstream(() => undefined);
    cleanups.push(silent.close);
    const { app } = dashboardApp({ COMMAND_API_URL: silent.url, QUERY_API_URL: silent.url, PROJECTOR_URL: silent.url, STATUS_TIMEOUT_MS: '200' });
    const body = (await (await app.request('/api/system/status')).json()) as Record<string, Record<string, Record<string, unknown>>>;
    expect(body.services!['query-api']).toMatchObject({ reachable: false, problem: 'timeout' });
  });
});
