import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { Decimal } from '@crypto-invest/money';
import { createPriceService } from '@crypto-invest/prices';
import { createLogger } from '@crypto-invest/logger';
import { freshDatabase, recordInvestment, startFakeCoinGecko, voidInvestment, type FakeCoinGecko, type TestDatabase } from '@crypto-invest/testing';
import { exactJson } from '../../test/exact-json.ts';
import { startQueryApi, type QueryApiHarness } from '../../test/harness.ts';
import { projectStatistics } from '../../test/read-model.ts';

describe('GET /stats', () => {
  let db: TestDatabase;
  let harness: QueryApiHarness;
  let prices: Map<string, Decimal> | Error;

  beforeAll(async () => {
    db = await freshDatabase();
    harness = await startQueryApi({
      replicaUrls: [db.url('query', 'replica')],
      currentPrices: async (coins) => {
        if (prices instanceof Error) throw prices;
        return new Map(coins.filter((c) => (prices as Map<string, Decimal>).has(c)).map((c) => [c, (prices as Map<string, Decimal>).get(c)!]));
      },
    });
    // The projector issue's example (a weighted average, not the mean of prices), and an 18-decimal amount.
    await recordInvestment(db.admin, { coin: 'bitcoin', amount: '1.9887', purchasePriceUsd: '88.63', timestamp: '2019-01-07T14:00:00Z' });
    await recordInvestment(db.admin, { coin: 'bitcoin', amount: '0.388', purchasePriceUsd: '58.64', timestamp: '2019-01-09T10:00:00Z' });
    await recordInvestment(db.admin, { coin: 'ethereum', amount: '0.197759759644370206', purchasePriceUsd: '151.6992135', timestamp: '2019-01-09T23:59:59.999Z' });
    const voided = await recordInvestment(db.admin, { coin: 'dogecoin', amount: '1000', purchasePriceUsd: '0.002', timestamp: '2019-01-08T00:00:00Z' });
    await voidInvestment(db.admin, voided.investmentId);
    await projectStatistics(db.admin);
    await db.replicaCaughtUp();
  });

  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('answers the seed fields and the additions exactly, from the read model', async () => {
    prices = new Map([
      ['bitcoin', new Decimal('50000.5')],
      ['ethereum', new Decimal('2000.123456789012345678')],
    ]);
    const res = await harness.request('/stats');
    expect(res.status).toBe(200);
    const body = (await exactJson(res)) as Record<string, unknown>;
    expect(body).toEqual({
      total_investments: '3',
      total_value_usd: '229.010800999999999953032981',
      coin_count: '2',
      coins: {
        bitcoin: {
          total_amount: '2.3767',
          total_value_usd: '199.010801',
          count: '2',
          average_price_usd: '83.734085496697101022',
          share: '0.869001811840307043',
          first_investment_at: '2019-01-07T14:00:00.000Z',
          last_investment_at: '2019-01-09T10:00:00.000Z',
          current_price_usd: '50000.5',
          current_value_usd: '118836.18835',
          unrealized_pnl_usd: '118637.177549',
          unrealized_pnl_pct: '59613.436533527645064853',
        },
        ethereum: {
          total_amount: '0.197759759644370206',
          total_value_usd: '29.999999999999999953032981',
          count: '1',
          average_price_usd: '151.6992135',
          share: '0.130998188159692957',
          first_investment_at: '2019-01-09T23:59:59.999Z',
          last_investment_at: '2019-01-09T23:59:59.999Z',
          current_price_usd: '2000.123456789012345678',
          current_value_usd: '395.543934073661959205873955323076069668',
          unrealized_pnl_usd: '365.543934073661959252840974323076069668',
          unrealized_pnl_pct: '1218.479780245539866084',
        },
      },
      current: {
        available: true,
        value_usd: '119231.732284073661959205873955323076069668',
        unrealized_pnl_usd: '119002.721483073661959252840974323076069668',
        unrealized_pnl_pct: '51963.803001184062922717',
      },
      daily: {
        bucket: 'day',
        points: [
          { date: '2019-01-07', invested_usd: '176.258481', investment_count: '1', cumulative_invested_usd: '176.258481' },
          { date: '2019-01-09', invested_usd: '52.752319999999999953032981', investment_count: '2', cumulative_invested_usd: '229.010800999999999953032981' },
        ],
      },
      projection: { position: res.headers.get('X-Projection-Position'), stale: false, generation: '1', as_of: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/) },
    });
    expect(res.headers.get('X-Projection-Position')).toMatch(/^\d+\.\d+$/);
    expect(res.headers.get('X-Read-Stale')).toBeNull();
  });

  it('marks current values unavailable — null, never zero — and still answers the totals when prices cannot be had', async () => {
    prices = new DomainError('unavailable', 'price-unavailable', 'Price unavailable', 'CoinGecko did not answer within 5 s');
    const res = await harness.request('/stats');
    expect(res.status).toBe(200);
    const body = (await exactJson(res)) as { total_value_usd: string; coins: Record<string, Record<string, unknown>>; current: unknown };
    expect(body.total_value_usd).toBe('229.010800999999999953032981');
    expect(body.current).toEqual({ available: false, value_usd: null, unrealized_pnl_usd: null, unrealized_pnl_pct: null, reason: 'CoinGecko did not answer within 5 s' });
    expect(body.coins.bitcoin).toMatchObject({ total_amount: '2.3767', current_price_usd: null, current_value_usd: null, unrealized_pnl_usd: null, unrealized_pnl_pct: null });
  });

  it('gives per-coin values for the coins it has prices for, and no portfolio value when one is missing', async () => {
    prices = new Map([['bitcoin', new Decimal('50000.5')]]);
    // The failure above put the lookup in back-off; a fresh app asks again at once.
    const fresh = await startQueryApi({ replicaUrls: [db.url('query', 'replica')], currentPrices: async () => new Map([['bitcoin', new Decimal('50000.5')]]) });
    try {
      const body = (await exactJson(await fresh.request('/stats'))) as { coins: Record<string, Record<string, unknown>>; current: Record<string, unknown> };
      expect(body.coins.bitcoin!.current_value_usd).toBe('118836.18835');
      expect(body.coins.ethereum!.current_value_usd).toBeNull();
      expect(body.current).toMatchObject({ available: false, value_usd: null, reason: 'no current price for ethereum' });
    } finally {
      await fresh.close();
    }
  });

  it('uses the shared price service: CoinGecko down still gives the totals, with the price fields unavailable', async () => {
    const coingecko: FakeCoinGecko = await startFakeCoinGecko();
    const service = createPriceService({ baseUrl: coingecko.url, budgetMs: 300, timeoutMs: 100, logger: createLogger({ service: 'test', level: 'silent' }) });
    const sut = await startQueryApi({ replicaUrls: [db.url('query', 'replica')], currentPrices: (coins) => service.currentPrices(coins) });
    try {
      coingecko.fail({ status: 503, times: Infinity });
      const down = (await exactJson(await sut.request('/stats'))) as { total_investments: string; current: { available: boolean }; coins: Record<string, Record<string, unknown>> };
      expect(down.total_investments).toBe('3');
      expect(down.current.available).toBe(false);
      expect(down.coins.ethereum!.current_price_usd).toBeNull();
      expect(coingecko.callsTo('/api/v3/simple/price').length).toBeGreaterThan(0);
    } finally {
      await sut.close();
      await coingecko.close();
    }
  });

  it('picks wider buckets for a long portfolio, and honours daily_bucket', async () => {
    const weekly = (await exactJson(await harness.request('/stats?daily_bucket=week'))) as { daily: { bucket: string; points: unknown[] } };
    expect(weekly.daily).toEqual({
      bucket: 'week',
      points: [{ date: '2019-01-07', invested_usd: '229.010800999999999953032981', investment_count: '3', cumulative_invested_usd: '229.010800999999999953032981' }],
    });
    const bad = await harness.request('/stats?daily_bucket=year');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('daily_bucket');
  });

  it('serves repeated reads at the same position from its cache, and counts them in /metrics', async () => {
    const first = await harness.request('/stats');
    const second = await harness.request('/stats');
    expect(await second.text()).toBe(await first.text());
    expect(second.headers.get('X-Projection-Position')).toBe(first.headers.get('X-Projection-Position'));
    const metrics = await (await harness.request('/metrics')).text();
    expect(metrics).toMatch(/query_api_statistics_cache_total\{result="hit"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/query_api_read_source_up\{source="replica-1"[^}]*\} 1/);
  });

  it('rejects a malformed consistency token with a 400 naming where it came from', async () => {
    for (const [path, headers, field] of [
      ['/stats?after=abc', {}, 'after'],
      ['/stats', { 'X-Consistency-Token': '1.2.3' }, 'X-Consistency-Token'],
    ] as const) {
      const res = await harness.request(path, { headers });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(((await res.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe(field);
    }
  });
});
