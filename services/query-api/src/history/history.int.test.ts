import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, recordInvestments, voidInvestment, type InvestmentInput, type TestDatabase } from '@crypto-invest/testing';
import { exactJson } from '../../test/exact-json.ts';
import { startQueryApi, type QueryApiHarness } from '../../test/harness.ts';
import { projectStatistics } from '../../test/read-model.ts';

const COINS = ['bitcoin', 'ethereum', 'cardano', 'shiba-inu'];
const TOTAL = 10_000;

interface Item {
  id: string;
  coin_name: string;
  amount: string;
  purchase_price_usd: string;
  total_value_usd: string;
  timestamp: string;
  price_source: string;
  voided: boolean;
  voided_at: string | null;
}

/** Follows rel="next" links from `first` to the end, returning every page's items in order. */
async function pageThrough(harness: QueryApiHarness, first: string): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url) {
    const res = await harness.request(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Projection-Position')).toMatch(/^\d+\.\d+$/);
    const link = res.headers.get('Link');
    items.push(...((await exactJson(res)) as Item[]));
    pages += 1;
    // The link is relative to the request URL: resolve it as a client would.
    const next: URL | undefined = link ? new URL(/^<([^>]+)>; rel="next"$/.exec(link)![1]!, `http://query.test${url}`) : undefined;
    url = next ? next.pathname + next.search : undefined;
  }
  return { items, pages };
}

describe('GET /history', () => {
  let db: TestDatabase;
  let harness: QueryApiHarness;
  /** The rows as the primary has them, newest first, with exact decimal text. */
  let expected: (where: string) => Promise<Item[]>;

  beforeAll(async () => {
    db = await freshDatabase();
    // Four investments share each timestamp (ids 9, 10, 11, 12 among them: ties must be broken by the
    // number, not its text) so pages must break ties by id; a few are voided.
    const inputs: InvestmentInput[] = Array.from({ length: TOTAL }, (_, i) => ({
      coin: COINS[i % COINS.length]!,
      amount: i % 7 === 0 ? '0.000000000000000001' : `${(i % 97) + 1}.${String(i).padStart(18, '0')}`,
      purchasePriceUsd: i % 4 === 3 ? '0.00000812345678' : `${1000 + (i % 1013)}.5`,
      timestamp: new Date(Date.UTC(2019, 0, 1) + Math.floor(i / 4) * 3_600_000).toISOString(),
    }));
    const written = await recordInvestments(db.admin, inputs, { notify: false });
    for (const w of written.filter((_, i) => i % 250 === 0)) await voidInvestment(db.admin, w.investmentId, { notify: false });
    await projectStatistics(db.admin);
    await db.replicaCaughtUp();
    harness = await startQueryApi({ replicaUrls: [db.url('query', 'replica')] });
    expected = async (where) => {
      const { rows } = await db.admin.query<Item>(
        `select id::text, coin_name, trim_scale(amount)::text as amount, trim_scale(purchase_price_usd)::text as purchase_price_usd,
                trim_scale(total_value_usd)::text as total_value_usd,
                to_char("timestamp" at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "timestamp", price_source,
                voided_at is not null as voided,
                to_char(voided_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as voided_at
         from investments ${where} order by investments."timestamp" desc, investments.id desc`,
      );
      return rows;
    };
  }, 180_000);

  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('pages through 10,000 investments by keyset with no duplicate and no gap, newest first', async () => {
    const { items, pages } = await pageThrough(harness, '/history?limit=137&include_voided=true');
    expect(items).toHaveLength(TOTAL);
    expect(new Set(items.map((i) => i.id)).size).toBe(TOTAL);
    expect(items).toEqual(await expected(''));
    expect(pages).toBe(Math.ceil(TOTAL / 137));
  });

  it('leaves voided investments out unless asked, so the list sums to the statistics', async () => {
    const { items } = await pageThrough(harness, '/history?limit=500');
    expect(items).toEqual(await expected('where voided_at is null'));
    expect(items).toHaveLength(TOTAL - TOTAL / 250);
    expect(items.every((i) => !i.voided && i.voided_at === null)).toBe(true);
  });

  it('filters exactly by coin and time range (from inclusive, to exclusive), across pages', async () => {
    const from = '2019-02-01T00:00:00.000Z';
    const to = '2019-03-01T00:00:00.000Z';
    const { items } = await pageThrough(harness, `/history?coin=ethereum&from=${from}&to=${to}&limit=50&include_voided=true`);
    const want = await expected(`where coin_name = 'ethereum' and "timestamp" >= '${from}' and "timestamp" < '${to}'`);
    expect(want.length).toBeGreaterThan(100);
    expect(items).toEqual(want);
    expect(items.at(0)!.timestamp < to && items.at(-1)!.timestamp === from).toBe(true);
    // A bare date means 00:00 UTC, and an offset is honoured.
    const { items: byDate } = await pageThrough(harness, '/history?coin=Ethereum&from=2019-02-01&to=2019-03-01T01:00:00%2B01:00&limit=500&include_voided=true');
    expect(byDate).toEqual(want);
  });

  it('returns every investment in one streamed array without a limit', async () => {
    const res = await harness.request('/history?include_voided=true');
    expect(res.status).toBe(200);
    expect(res.headers.get('Link')).toBeNull();
    expect(res.headers.get('X-Projection-Position')).toMatch(/^\d+\.\d+$/);
    const items = (await exactJson(res)) as Item[];
    expect(items).toHaveLength(TOTAL);
    expect(items).toEqual(await expected(''));
    const filtered = (await exactJson(await harness.request('/history?coin=shiba-inu&to=2019-01-02'))) as Item[];
    expect(filtered).toEqual(await expected(`where coin_name = 'shiba-inu' and "timestamp" < '2019-01-02T00:00:00Z' and voided_at is null`));
  });

  it('writes every stored digit: an 18-decimal amount and a tiny price come back digit for digit', async () => {
    const text = await (await harness.request('/history?coin=shiba-inu&limit=1')).text();
    expect(text).toMatch(/"purchase_price_usd":0\.00000812345678,/);
    const tiny = await (await harness.request('/history?coin=bitcoin&limit=500')).text();
    expect(tiny).toContain('"amount":0.000000000000000001,');
    expect(tiny).not.toMatch(/e-\d/);
  });

  it('rejects a bad limit or cursor with a 400 problem naming the field', async () => {
    const cases: Array<[string, string]> = [
      ['/history?limit=0', 'limit'],
      ['/history?limit=501', 'limit'],
      ['/history?limit=ten', 'limit'],
      ['/history?limit=1.5', 'limit'],
      ['/history?limit=10&cursor=not-a-cursor', 'cursor'],
      [`/history?limit=10&cursor=${Buffer.from('1|2019-01-01T00:00:00.000Z|abc').toString('base64url')}`, 'cursor'],
      [`/history?cursor=${Buffer.from('1|2019-01-01T00:00:00.000Z|12').toString('base64url')}`, 'cursor'],
      ['/history?coin=Bit%20coin', 'coin'],
      ['/history?from=yesterday', 'from'],
      ['/history?from=2019-02-30', 'from'],
      ['/history?to=2019-01-01T00:00:00', 'to'],
      ['/history?from=2019-02-01&to=2019-01-01', 'to'],
      ['/history?include_voided=yes', 'include_voided'],
      ['/history?after=12', 'after'],
    ];
    for (const [path, field] of cases) {
      const res = await harness.request(path);
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as { status: number; errors: Array<{ field: string; reason: string }> };
      expect(problem.errors.map((e) => e.field), path).toContain(field);
    }
  });
});
