import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { startFakeCoinGecko, type FakeCoinGecko } from '@crypto-invest/fake-coingecko';
import { createLogger } from '@crypto-invest/logger';
import { toPlain } from '@crypto-invest/money';
import { createPriceService, type PriceServiceOptions } from './index.ts';

// The price service against the local fake CoinGecko over real HTTP.
let fake: FakeCoinGecko;
const logger = createLogger({ service: 'prices-test', level: 'silent' });

beforeAll(async () => {
  fake = await startFakeCoinGecko();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const sut = (options: Partial<PriceServiceOptions> = {}) => createPriceService({ baseUrl: fake.url, logger, ...options });
const LITECOIN_NOW = '138.985636';
const priceCalls = () => fake.callsTo('/api/v3/simple/price');

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('current prices', () => {
  it('asks for several coins in one request with precision=full and keeps every digit', async () => {
    const prices = await sut().currentPrices(['bitcoin', 'shiba-inu', 'pepe', 'bitcoin']);
    expect([...prices].map(([coin, price]) => [coin, toPlain(price)])).toEqual([
      ['bitcoin', '34235.19345'],
      ['shiba-inu', '0.00000812345678'],
      ['pepe', '0.0000000123'],
    ]);
    expect(priceCalls().map((r) => r.query)).toEqual([{ ids: 'bitcoin,shiba-inu,pepe', vs_currencies: 'usd', precision: 'full' }]);
  });

  it('keeps digits a float would lose (JSON.parse, as the SDK parses, gives 12345.123456789011)', async () => {
    fake.setPrice('bitcoin', '12345.123456789012345678');
    expect(toPlain(await sut().currentPrice('bitcoin'))).toBe('12345.123456789012345678');
    expect(String(JSON.parse('12345.123456789012345678'))).not.toBe('12345.123456789012345678');
  });

  it('reads a tiny price sent in exponent notation exactly', async () => {
    fake.setPrice('pepe', '1.234e-7');
    expect(toPlain(await sut().currentPrice('pepe'))).toBe('0.0000001234');
  });

  it('leaves coins without a price out of the map, refuses them one by one with 422, and caches nothing for them', async () => {
    fake.setPrice('tether', '0');
    const prices = sut();
    const many = await prices.currentPrices(['bitcoin', 'no-such-coin', 'tether']);
    expect([...many.keys()]).toEqual(['bitcoin']);
    const error = await failure(prices.currentPrice('no-such-coin'));
    expect(error).toMatchObject({ kind: 'unprocessable', code: 'unknown-coin', extra: { fields: [{ field: 'coin' }] } });
    expect(error.detail).toContain('"no-such-coin"');
    await failure(prices.currentPrice('tether'));
    expect(priceCalls().map((r) => r.query.ids)).toEqual(['bitcoin,no-such-coin,tether', 'no-such-coin', 'tether']);
  });

  it('reuses a price for the cache TTL, per coin, then asks again', async () => {
    let now = 1_000_000;
    const prices = sut({ cacheTtlMs: 60_000, now: () => now });
    await prices.currentPrice('bitcoin');
    now += 59_999;
    fake.setPrice('bitcoin', '40000.5');
    expect(toPlain(await prices.currentPrice('bitcoin'))).toBe('34235.19345');
    await prices.currentPrices(['bitcoin', 'ethereum']);
    expect(priceCalls().map((r) => r.query.ids)).toEqual(['bitcoin', 'ethereum']);
    now += 1;
    expect(toPlain(await prices.currentPrice('bitcoin'))).toBe('40000.5');
    expect(priceCalls()).toHaveLength(3);
  });

  it('sends one request when many callers want the same coin at once', async () => {
    fake.setDelay(150);
    const prices = sut();
    const answers = await Promise.all([
      ...Array.from({ length: 25 }, () => prices.currentPrice('ethereum')),
      prices.currentPrices(['ethereum', 'cardano']),
      prices.currentPrices(['cardano']),
    ]);
    expect(new Set(answers.slice(0, 25).map((p) => toPlain(p as never)))).toEqual(new Set([toPlain(answers[0] as never)]));
    expect(priceCalls().map((r) => r.query.ids)).toEqual(['ethereum', 'cardano']);
  });
});

describe('failures', () => {
  it('waits as long as Retry-After asks after a 429, then records the price', async () => {
    fake.fail({ status: 429, retryAfter: 1, times: 1 });
    expect(toPlain(await sut().currentPrice('bitcoin'))).toBe('34235.19345');
    const [first, second] = priceCalls();
    expect(priceCalls()).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1_000);
  });

  it('retries 5xx answers and time-outs with backoff', async () => {
    fake.fail({ status: 503, times: 1 });
    fake.fail({ status: 500, times: 1 });
    expect(toPlain(await sut().currentPrice('litecoin'))).toBe(LITECOIN_NOW);
    expect(priceCalls()).toHaveLength(3);
  });

  it('gives up with 503 "give purchase_price_usd" when CoinGecko keeps answering 429, within the budget', async () => {
    fake.fail({ status: 429, retryAfter: 1, times: Infinity });
    const started = Date.now();
    const error = await failure(sut({ budgetMs: 2_500 }).currentPrice('bitcoin'));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ kind: 'unavailable', code: 'price-unavailable', extra: { retryAfterSeconds: 1 } });
    expect(error.detail).toMatch(/^price unavailable, give purchase_price_usd/);
    expect(priceCalls().length).toBeGreaterThanOrEqual(2);
    // A bound on correctness, not a speed claim: the budget caps the whole lookup.
    expect(elapsed).toBeLessThan(2_500 + 1_000);
  });

  it('does not wait for a Retry-After beyond the budget', async () => {
    fake.fail({ status: 429, retryAfter: 60, times: Infinity });
    const error = await failure(sut({ budgetMs: 3_000 }).currentPrice('bitcoin'));
    expect(error).toMatchObject({ kind: 'unavailable', extra: { retryAfterSeconds: 60 } });
    expect(priceCalls()).toHaveLength(1);
  });

  it('cuts a hanging CoinGecko off with the per-attempt timeout and ends within the budget', async () => {
    fake.setDelay(5_000);
    const started = Date.now();
    const error = await failure(sut({ budgetMs: 1_200, timeoutMs: 400 }).currentPrice('bitcoin'));
    expect(error.kind).toBe('unavailable');
    expect(priceCalls().length).toBeGreaterThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(1_200 + 1_000);
  });

  it('answers 503 (not a crash) when CoinGecko refuses the request', async () => {
    fake.fail({ status: 401, times: 1 });
    const error = await failure(sut().currentPrice('bitcoin'));
    expect(error.kind).toBe('unavailable');
    expect(priceCalls()).toHaveLength(1);
  });
});

describe('historical prices', () => {
  it("gives a past UTC day's price from /coins/{id}/history, exactly, and caches it", async () => {
    const prices = sut();
    expect(toPlain(await prices.historicalPrice('bitcoin', '2020-03-12'))).toBe('4970.787901');
    expect(toPlain(await prices.historicalPrice('bitcoin', '2020-03-12'))).toBe('4970.787901');
    expect(toPlain(await prices.historicalPrice('cardano', '2017-10-02'))).toBe('0.02593179978430271');
    expect(fake.callsTo('/api/v3/coins/').map((r) => [r.path, r.query.date])).toEqual([
      ['/api/v3/coins/bitcoin/history', '12-03-2020'],
      ['/api/v3/coins/cardano/history', '02-10-2017'],
    ]);
  });

  it('asks for the price explicitly when CoinGecko has none for that day, and refuses unknown coins', async () => {
    const prices = sut();
    const none = await failure(prices.historicalPrice('bitcoin', '2012-06-01'));
    expect(none).toMatchObject({ kind: 'unprocessable', code: 'historical-price-unavailable', extra: { fields: [{ field: 'purchase_price_usd' }] } });
    expect(none.detail).toContain('give purchase_price_usd');
    expect(await failure(prices.historicalPrice('no-such-coin', '2020-03-12'))).toMatchObject({ code: 'unknown-coin' });
    fake.fail({ status: 401, times: 1 });
    expect(await failure(prices.historicalPrice('ethereum', '2020-03-12'))).toMatchObject({ code: 'historical-price-unavailable' });
  });
});

describe('API keys', () => {
  it('sends a demo key as x-cg-demo-api-key and a pro key as x-cg-pro-api-key, never both', async () => {
    await sut({ demoApiKey: 'demo-key-123' }).currentPrice('bitcoin');
    await sut({ proApiKey: 'pro-key-456' }).currentPrice('bitcoin');
    await sut().currentPrice('bitcoin');
    expect(priceCalls().map((r) => r.headers)).toEqual([
      { 'x-cg-demo-api-key': 'demo-key-123', 'x-cg-pro-api-key': undefined },
      { 'x-cg-demo-api-key': undefined, 'x-cg-pro-api-key': 'pro-key-456' },
      { 'x-cg-demo-api-key': undefined, 'x-cg-pro-api-key': undefined },
    ]);
  });
});
