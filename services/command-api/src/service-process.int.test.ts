import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type RunningSystem, type SystemPorts } from '@crypto-invest/local-stack';
import { freePort, freshDatabase, startFakeCoinGecko, waitFor, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import type {} from '@crypto-invest/testing/global-setup';

// The real service process (node --import tsx src/index.ts, wired by local-stack's
// serviceEnvironment) over real HTTP, with the seed's requests exactly as its clients
// send them: no API key (AUTH=disabled, the trusted local setup), numbers in JSON.
let db: TestDatabase;
let fake: FakeCoinGecko;
let system: RunningSystem;
let queryStub: Server;
let logDir: string;
const lines: string[] = [];
const seenByQueryApi: string[] = [];
let ports: SystemPorts;

beforeAll(async () => {
  db = await freshDatabase();
  fake = await startFakeCoinGecko();
  logDir = await mkdtemp(join(tmpdir(), 'command-api-process-'));
  ports = { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() };
  // Stands in for the query API (another service) only to show that a client follows the 307 there.
  queryStub = createServer((req, res) => {
    seenByQueryApi.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(req.url?.startsWith('/history') ? '[]' : '{"total_investments":0}');
  });
  await new Promise<void>((resolve) => queryStub.listen(ports['query-api'], '127.0.0.1', resolve));
  system = await startSystem({
    cluster: db.cluster,
    database: db.name,
    ports,
    apiKeys: [],
    authDisabled: true,
    coingeckoBaseUrl: fake.url,
    logDir,
    only: ['command-api'],
    onLine: (_service, line) => lines.push(line),
  });
});

afterAll(async () => {
  await system?.stop();
  await new Promise((resolve) => queryStub?.close(resolve));
  await fake?.close();
  await db?.drop();
  if (logDir) await rm(logDir, { recursive: true, force: true });
});

const base = () => system.urls['command-api'];

describe('the command API process', () => {
  it("answers the seed's POST /invest requests with 200 and the investment wrapper", async () => {
    const prices: Record<string, number> = { bitcoin: 34235.19345, ethereum: 2324.679449, cardano: 1.41805266 };
    for (const [coin, amount] of [
      ['bitcoin', 0.5],
      ['ethereum', 2.5],
      ['cardano', 1000],
    ] as const) {
      const res = await fetch(`${base()}/invest`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ coin, amount }) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { status: string; investment: Record<string, unknown>; price_source: string; consistency_token: string };
      expect(body.status).toBe('success');
      expect(body.investment).toMatchObject({ coin, amount, price_per_coin_usd: prices[coin] });
      expect(typeof body.investment.id).toBe('number');
      expect(typeof body.investment.total_value_usd).toBe('number');
      expect(body.price_source).toBe('coingecko');
      expect(res.headers.get('x-consistency-token')).toBe(body.consistency_token);
    }
    const { rows } = await db.admin.query('select coin_name, amount::text from investments order by id');
    expect(rows).toEqual([
      { coin_name: 'bitcoin', amount: '0.500000000000000000' },
      { coin_name: 'ethereum', amount: '2.500000000000000000' },
      { coin_name: 'cardano', amount: '1000.000000000000000000' },
    ]);
  });

  it('answers an unknown coin and a negative amount with a problem that has a detail', async () => {
    for (const [body, status] of [
      [{ coin: 'notacoin', amount: 1 }, 422],
      [{ coin: 'bitcoin', amount: -1 }, 400],
    ] as const) {
      const res = await fetch(`${base()}/invest`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail.length).toBeGreaterThan(10);
    }
  });

  it('sends GET /history and GET /stats on to the query API with 307, same path and query, and clients follow', async () => {
    for (const path of ['/history', '/history?coin=bitcoin', '/stats']) {
      const res = await fetch(`${base()}${path}`, { redirect: 'manual' });
      expect(res.status).toBe(307);
      expect(res.headers.get('location')).toBe(`http://127.0.0.1:${ports['query-api']}${path}`);
      const followed = await fetch(`${base()}${path}`);
      expect(followed.status).toBe(200);
      expect(followed.url).toBe(`http://127.0.0.1:${ports['query-api']}${path}`);
    }
    expect(seenByQueryApi).toEqual(['/history', '/history?coin=bitcoin', '/stats']);
  });

  it('logs JSON lines with a request id, without bodies', async () => {
    await fetch(`${base()}/invest`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'seed-client-42' },
      body: '{"coin":"bitcoin","amount":0.123456789,"purchase_price_usd":77.7}',
    });
    const mine = () =>
      lines
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((r) => r.request_id === 'seed-client-42');
    // the access-log line is written as the response goes out: it may reach the pipe a moment later
    await waitFor(() => mine().length === 2, { what: 'two log lines of the request' });
    expect(mine().map((r) => r.msg)).toEqual(['investment recorded', 'request']);
    expect(mine()[1]).toMatchObject({ service: 'command-api', method: 'POST', path: '/invest', status: 200 });
    expect(lines.join('\n')).not.toContain('0.123456789');
    expect(lines.join('\n')).not.toContain('77.7');
  });

  it('stops cleanly on SIGTERM', async () => {
    await system.stopService('command-api');
    expect(await system.processes.get('command-api')!.exited).toBe(0);
    await waitFor(() => lines.some((l) => l.includes('"msg":"stopped"')), { what: 'the "stopped" log line' });
  });
});
