import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dashboardApp, refusedUrl, startFakeUpstream } from '../fake-upstream.fixture.ts';

const KEY = 'dashboard-key-0123456789abcdef';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function upstream(handle: Parameters<typeof startFakeUpstream>[0]) {
  const fake = await startFakeUpstream(handle);
  cleanups.push(fake.close);
  return fake;
}

describe('forwarding /api/command and /api/query', () => {
  it('passes method, path, query, body and the allowed headers; adds the API key; returns the answer byte for byte', async () => {
    const body = '{"id":7,"coin_name":"bitcoin","amount":0.123456789012345678,"purchase_price_usd":0.0000001234,"consistency_token":"812.7"}';
    const command = await upstream((_req, res) => {
      res.writeHead(201, {
        'content-type': 'application/json',
        location: '/investments/7',
        'x-consistency-token': '812.7',
        'x-request-id': 'upstream-id',
        'set-cookie': 'leak=1',
      });
      res.end(body);
    });
    const { app } = dashboardApp({ COMMAND_API_URL: command.url, DASHBOARD_API_KEY: KEY });

    const response = await app.request('/api/command/investments?dry=1', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': 'key-1',
        'x-consistency-token': '800.1',
        authorization: 'Bearer from-the-browser',
        cookie: 'session=secret',
      },
      body: '{"coin":"bitcoin","amount":"0.123456789012345678"}',
    });

    expect(response.status).toBe(201);
    expect(await response.text()).toBe(body);
    expect(response.headers.get('location')).toBe('/api/command/investments/7');
    expect(response.headers.get('x-consistency-token')).toBe('812.7');
    expect(response.headers.get('x-upstream-request-id')).toBe('upstream-id');
    expect(response.headers.get('set-cookie')).toBeNull();

    const seen = command.received[0]!;
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/investments?dry=1');
    expect(seen.body).toBe('{"coin":"bitcoin","amount":"0.123456789012345678"}');
    expect(seen.headers['authorization']).toBe(`Bearer ${KEY}`);
    expect(seen.headers['idempotency-key']).toBe('key-1');
    expect(seen.headers['x-consistency-token']).toBe('800.1');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['cookie']).toBeUndefined();
    expect(seen.headers['x-request-id']).toBe(response.headers.get('x-request-id'));
  });

  it('sends no Authorization at all when no key is configured (services with AUTH=disabled)', async () => {
    const command = await upstream((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const { app } = dashboardApp({ COMMAND_API_URL: command.url });
    await app.request('/api/command/investments/1', { method: 'DELETE', headers: { authorization: 'Bearer from-the-browser' } });
    expect(command.received[0]!.headers['authorization']).toBeUndefined();
  });

  it('passes the query API freshness headers and rewrites its Link header for the browser', async () => {
    const query = await upstream((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        link: '</history?limit=2&cursor=eyJ0>; rel="next"',
        'x-projection-position': '900.12',
        'x-read-stale': 'true',
      });
      res.end('[]');
    });
    const { app } = dashboardApp({ QUERY_API_URL: query.url });
    const response = await app.request('/api/query/history?limit=2&coin=bitcoin', { headers: { 'x-consistency-token': '900.12' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('link')).toBe('</api/query/history?limit=2&cursor=eyJ0>; rel="next"');
    expect(response.headers.get('x-projection-position')).toBe('900.12');
    expect(response.headers.get('x-read-stale')).toBe('true');
    expect(query.received[0]!.url).toBe('/history?limit=2&coin=bitcoin');
    expect(query.received[0]!.headers['x-consistency-token']).toBe('900.12');
  });

  it('hands a redirect of the command API back to the browser, pointed at the dashboard, without following it', async () => {
    const query = await upstream((_req, res) => res.writeHead(200).end('followed'));
    const command = await upstream((req, res) => res.writeHead(307, { location: `${query.url}${req.url}` }).end());
    const { app } = dashboardApp({ COMMAND_API_URL: command.url, QUERY_API_URL: query.url });
    const response = await app.request('/api/command/stats?after=1.2');
    expect(response.status).toBe(307);
    expect(response.headers.get('location')).toBe('/api/query/stats?after=1.2');
    expect(query.received).toHaveLength(0);
  });

  it('answers 502 when a request with a body is redirected: its streamed body cannot be sent again', async () => {
    const command = await upstream((_req, res) => res.writeHead(307, { location: '/elsewhere' }).end());
    const { app } = dashboardApp({ COMMAND_API_URL: command.url });
    const response = await app.request('/api/command/investments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"coin":"bitcoin","amount":"1"}' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { type: string }).type).toBe('/problems/upstream-redirect');
    expect(command.received[0]!.body).toBe('{"coin":"bitcoin","amount":"1"}');
  });

  it('passes problem answers through unchanged', async () => {
    const problem = '{"type":"/problems/price-unavailable","title":"Price unavailable","status":503,"detail":"give purchase_price_usd"}';
    const command = await upstream((_req, res) => res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '5' }).end(problem));
    const { app } = dashboardApp({ COMMAND_API_URL: command.url });
    const response = await app.request('/api/command/investments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.text()).toBe(problem);
  });

  it('answers 502 problem+json when the service refuses connections', async () => {
    const { app } = dashboardApp({ QUERY_API_URL: await refusedUrl() });
    const response = await app.request('/api/query/stats');
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await response.json()) as { type: string; detail: string };
    expect(problem.type).toBe('/problems/upstream-unreachable');
    expect(problem.detail).toContain('query API');
  });

  it('answers 503 problem+json when the service accepts but never answers', async () => {
    await upstream(() => undefined); // never writes
    const silent = await upstream(() => undefined);
    const { app } = dashboardApp({ QUERY_API_URL: silent.url, UPSTREAM_TIMEOUT_MS: '300' });
    const response = await app.request('/api/query/stats');
    expect(response.status).toBe(503);
    expect(((await response.json()) as { type: string }).type).toBe('/problems/upstream-timeout');
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('refuses a body over the limit without calling the service', async () => {
    const command = await upstream((_req, res) => res.writeHead(200).end());
    const { app } = dashboardApp({ COMMAND_API_URL: command.url });
    const response = await app.request('/api/command/investments', { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'x'.repeat(70 * 1024) });
    expect(response.status).toBe(413);
    expect(command.received).toHaveLength(0);
  });

  it('streams the event stream through as it comes, and closes the upstream when the browser goes away', async () => {
    let sendMore: (() => void) | undefined;
    const query = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write('event: position\ndata: {"position":"5.1"}\n\n');
      sendMore = () => res.write('event: position\ndata: {"position":"6.2"}\n\n');
      // never ends by itself, like the real stream
    });
    const { app } = dashboardApp({ QUERY_API_URL: query.url, UPSTREAM_TIMEOUT_MS: '300' });
    const browser = new AbortController();
    const response = await app.request('/api/query/stream', { headers: { accept: 'text/event-stream' }, signal: browser.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-accel-buffering')).toBe('no');

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    // The first event arrives while the upstream is still open: nothing buffers the stream.
    expect(decoder.decode((await reader.read()).value)).toContain('"position":"5.1"');
    // Past the header timeout, the stream keeps flowing.
    await new Promise((resolve) => setTimeout(resolve, 400));
    sendMore!();
    expect(decoder.decode((await reader.read()).value)).toContain('"position":"6.2"');

    browser.abort();
    await reader.cancel().catch(() => undefined);
    await expect.poll(() => query.closed.length, { timeout: 5_000 }).toBe(1);
  });

  it('cuts the browser\'s answer too when the service breaks off mid-body, so a truncated body is never taken as whole', async () => {
    const query = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[{"id":1,"amount":0.5');
      setTimeout(() => res.destroy(), 50);
    });
    const { app } = dashboardApp({ QUERY_API_URL: query.url });
    const response = await app.request('/api/query/history');
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
  });
});

describe('host names (DNS rebinding)', () => {
  it('forwards /api only for loopback names and ALLOWED_HOSTS; another name gets 403 and reaches nothing', async () => {
    let calls = 0;
    const command = await upstream((_req, res) => {
      calls += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    const { app } = dashboardApp({ COMMAND_API_URL: command.url, DASHBOARD_API_KEY: KEY, ALLOWED_HOSTS: 'Dash.Example' });

    for (const host of ['127.0.0.1:8501', 'localhost:8501', '[::1]:8501', 'dash.example', 'dash.example:8501']) {
      expect((await app.request(`http://${host}/api/command/history?limit=1`)).status, host).toBe(200);
    }
    expect(calls).toBe(5);
    for (const host of ['attacker.example:8501', 'localhost.attacker.example', '127.0.0.1.nip.io:8501']) {
      const refused = await app.request(`http://${host}/api/command/investments`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(refused.status, host).toBe(403);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(await refused.json()).toMatchObject({ type: '/problems/host-not-allowed' });
    }
    expect(calls).toBe(5);
    // The page itself and health stay reachable under any name (they hold no key).
    expect((await app.request('http://attacker.example/health')).status).toBe(200);
  });
});
