import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTFOLIO_CSV } from '@crypto-invest/demo-data';
import { startSystem, type RunningSystem } from '@crypto-invest/local-stack';
import { Decimal, divide, parseJsonExact } from '@crypto-invest/money';
import { freePort, freshDatabase, startFakeCoinGecko, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import type {} from '@crypto-invest/testing/global-setup';

// The whole system as processes (projector, command API, query API on a fresh database,
// the fake CoinGecko for prices) and the real CLI as a child process, as a person runs it:
// the 580-purchase demo portfolio goes in through `src/cli/import.ts`, and comes out of
// GET /stats and GET /history on the replica with the figures this test computes from the
// CSV itself, exactly.

const API_KEY = 'e2e-import-key-0123456789abcdefghij';
const CLI = fileURLToPath(new URL('./import.ts', import.meta.url));
const SERVICE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `npm run import -- FILE …` without npm: the same entry file, a child process, no terminal. */
async function runCli(commandApi: string, ...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args, '--url', commandApi, '--api-key', API_KEY], {
    cwd: SERVICE_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

interface Purchase {
  timestamp: string;
  coin: string;
  amount: Decimal;
  price: Decimal;
}

/** The portfolio as the test reads it: plain splitting (the file has no quotes), decimals from the text. */
function readPortfolio(text: string): Purchase[] {
  return text
    .trim()
    .split(/\r?\n/)
    .slice(1)
    .map((line) => {
      const [timestamp, coin, amount, price] = line.split(',') as [string, string, string, string];
      return { timestamp, coin, amount: new Decimal(amount), price: new Decimal(price) };
    });
}

const runs: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of runs.reverse()) await stop();
});

async function system(only: Array<'projector' | 'command-api' | 'query-api'>): Promise<{ system: RunningSystem; db: TestDatabase }> {
  const db = await freshDatabase();
  const fake: FakeCoinGecko = await startFakeCoinGecko();
  const logDir = await mkdtemp(join(tmpdir(), 'import-e2e-'));
  const ports = { 'command-api': await freePort(), 'query-api': await freePort(), projector: await freePort(), dashboard: await freePort() };
  const running = await startSystem({
    cluster: db.cluster,
    database: db.name,
    ports,
    apiKeys: [API_KEY],
    coingeckoBaseUrl: fake.url,
    env: { LOG_LEVEL: 'warn' },
    logDir,
    only,
  });
  runs.push(async () => {
    await running.stop();
    await fake.close();
    await db.drop();
    await rm(logDir, { recursive: true, force: true });
  });
  return { system: running, db };
}

describe('the demo portfolio through the CLI into a fresh system', () => {
  let sut: RunningSystem;
  let db: TestDatabase;
  const purchases = readPortfolio(readFileSync(PORTFOLIO_CSV, 'utf8'));
  let token: string;

  beforeAll(async () => {
    ({ system: sut, db } = await system(['projector', 'command-api', 'query-api']));
  }, 180_000);

  it('records all 580 purchases', async () => {
    const run = await runCli(sut.urls['command-api'], PORTFOLIO_CSV);
    expect(run.stderr).toContain('importing: 580 of 580 rows');
    expect(run.stdout).toContain('recorded 580 investments (580 rows: 580 new, 0 already present, 0 invalid)');
    expect(run.code).toBe(0);
    token = /consistency token (\S+)/.exec(run.stdout)![1]!;
    expect((await db.admin.query('select count(*)::int as n from events')).rows[0]).toEqual({ n: 580 });
  });

  it('shows, per coin, the amount held, USD invested and weighted average price computed here from the CSV, exactly', async () => {
    const expected = new Map<string, { amount: Decimal; invested: Decimal; count: number }>();
    for (const p of purchases) {
      const coin = expected.get(p.coin) ?? { amount: new Decimal(0), invested: new Decimal(0), count: 0 };
      expected.set(p.coin, { amount: coin.amount.plus(p.amount), invested: coin.invested.plus(p.amount.times(p.price)), count: coin.count + 1 });
    }
    expect(expected.size).toBe(6);

    const res = await fetch(`${sut.urls['query-api']}/stats`, { headers: { 'X-Consistency-Token': token } });
    expect(res.status).toBe(200);
    const stats = parseJsonExact(await res.text()) as {
      total_investments: { value: string };
      total_value_usd: { value: string };
      coins: Record<string, { total_amount: { value: string }; total_value_usd: { value: string }; average_price_usd: { value: string }; count: { value: string } }>;
      projection: { stale: boolean };
    };
    expect(stats.projection.stale).toBe(false);
    expect(stats.total_investments.value).toBe('580');
    expect(Object.keys(stats.coins).sort()).toEqual([...expected.keys()].sort());
    let invested = new Decimal(0);
    for (const [coin, want] of expected) {
      const got = stats.coins[coin]!;
      expect({ coin, amount: new Decimal(got.total_amount.value).toFixed(), invested: new Decimal(got.total_value_usd.value).toFixed(), count: Number(got.count.value) }).toEqual({
        coin,
        amount: want.amount.toFixed(),
        invested: want.invested.toFixed(),
        count: want.count,
      });
      // The weighted average: USD invested ÷ coins held, to the 18 places of a stored price.
      expect(new Decimal(got.average_price_usd.value).toFixed()).toBe(divide(want.invested, want.amount, 18)!.toFixed());
      invested = invested.plus(want.invested);
    }
    expect(new Decimal(stats.total_value_usd.value).toFixed()).toBe(invested.toFixed());
  });

  it('lists all 580 in GET /history, newest first', async () => {
    const items: Array<{ id: { value: string }; coin_name: string; amount: { value: string }; purchase_price_usd: { value: string }; timestamp: string }> = [];
    let next: string | undefined = `${sut.urls['query-api']}/history?limit=500`;
    while (next) {
      const res: Response = await fetch(next, { headers: { 'X-Consistency-Token': token } });
      expect(res.status).toBe(200);
      items.push(...(parseJsonExact(await res.text()) as typeof items));
      const link = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      next = link ? new URL(link, sut.urls['query-api']).href : undefined;
    }
    expect(items).toHaveLength(580);
    for (let i = 1; i < items.length; i++) {
      const [newer, older] = [items[i - 1]!, items[i]!];
      const order = newer.timestamp.localeCompare(older.timestamp) || Number(BigInt(newer.id.value) - BigInt(older.id.value));
      expect(order).toBeGreaterThan(0);
    }
    const seen = items.map((it) => `${it.timestamp}|${it.coin_name}|${new Decimal(it.amount.value).toFixed()}|${new Decimal(it.purchase_price_usd.value).toFixed()}`).sort();
    const want = purchases.map((p) => `${new Date(p.timestamp).toISOString()}|${p.coin}|${p.amount.toFixed()}|${p.price.toFixed()}`).sort();
    expect(seen).toEqual(want);
  });

  it('records nothing when the same file is imported again', async () => {
    const run = await runCli(sut.urls['command-api'], PORTFOLIO_CSV);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('recorded 0 investments (580 rows: 0 new, 580 already present, 0 invalid)');
    expect((await db.admin.query('select count(*)::int as n from investments')).rows[0]).toEqual({ n: 580 });
  });
});

describe('a copy with three broken rows, through the CLI', () => {
  let commandApi: string;
  let db: TestDatabase;
  let dir: string;
  let broken: string;

  beforeAll(async () => {
    ({ system: { urls: { 'command-api': commandApi } }, db } = await system(['command-api']));
    dir = await mkdtemp(join(tmpdir(), 'import-e2e-file-'));
    const lines = (await readFile(PORTFOLIO_CSV, 'utf8')).trim().split('\n');
    lines[9] = lines[9]!.replace(/,([0-9.]+),([0-9.]+)$/, ',"0,5",$2'); // line 10: a locale decimal
    lines[299] = lines[299]!.replace(/^[^,]+/, '2020-13-01'); // line 300: no such month
    lines[579] = lines[579]!.replace(/,(?:bitcoin|ethereum|dogecoin|cardano|litecoin|binancecoin),/, ',Not A Coin,'); // line 580
    broken = join(dir, 'portfolio-broken.csv');
    await writeFile(broken, lines.join('\n') + '\n');
  }, 180_000);
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is refused whole, naming lines 10, 300 and 580, and exits 1', async () => {
    const dry = await runCli(commandApi, broken, '--dry-run');
    expect(dry.code).toBe(1);
    const run = await runCli(commandApi, broken);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('import refused, nothing recorded — 580 rows: 577 new, 0 already present, 3 invalid');
    const named = [...run.stderr.matchAll(/^ {2}line (\d+)/gm)].map((m) => Number(m[1]));
    expect(named).toEqual([10, 300, 580]);
    expect((await db.admin.query('select count(*)::int as n from investments')).rows[0]).toEqual({ n: 0 });
  });

  it('records the 577 good rows with --skip-invalid', async () => {
    const run = await runCli(commandApi, broken, '--skip-invalid');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('recorded 577 investments (580 rows: 577 new, 0 already present, 3 invalid)');
    expect((await db.admin.query('select count(*)::int as n from investments')).rows[0]).toEqual({ n: 577 });
  });

  it('then records exactly the 3 missing rows of the whole file (plain JSON answer, over real HTTP)', async () => {
    const res = await fetch(`${commandApi}/imports`, {
      method: 'POST',
      body: await readFile(PORTFOLIO_CSV),
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toMatchObject({ outcome: 'imported', rows: 580, new: 3, already_present: 577, recorded: 3 });
    expect((await db.admin.query('select count(*)::int as n from investments')).rows[0]).toEqual({ n: 580 });
  });
});
