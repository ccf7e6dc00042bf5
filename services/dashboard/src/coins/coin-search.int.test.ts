import { startFakeCoinGecko, type FakeCoinGecko } from '@crypto-invest/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dashboardApp } from '../fake-upstream.fixture.ts';

let coingecko: FakeCoinGecko;
beforeAll(async () => {
  coingecko = await startFakeCoinGecko();
});
afterAll(() => coingecko.close());
beforeEach(() => coingecko.reset());

const search = async (app: ReturnType<typeof dashboardApp>['app'], q: string) => {
  const response = await app.request(`/api/coins/search?q=${encodeURIComponent(q)}`);
  return { status: response.status, body: (await response.json()) as { coins: Array<{ id: string; symbol: string; name: string }>; source: string } };
};

describe('GET /api/coins/search', () => {
  it('asks the CoinGecko search and answers with ids, names and symbols', async () => {
    const { app } = dashboardApp({ COINGECKO_BASE_URL: coingecko.url });
    const { status, body } = await search(app, 'shib');
    expect(status).toBe(200);
    expect(body.source).toBe('coingecko');
    expect(body.coins).toEqual([{ id: 'shiba-inu', name: 'Shiba Inu', symbol: 'SHIB' }]);
    expect(coingecko.callsTo('/api/v3/search')[0]!.query.query).toBe('shib');
  });

  it('reuses an answer for the same query instead of asking again', async () => {
    const { app } = dashboardApp({ COINGECKO_BASE_URL: coingecko.url });
    await search(app, 'Solana');
    await search(app, ' solana ');
    expect(coingecko.callsTo('/api/v3/search')).toHaveLength(1);
  });

  it('answers from the built-in list of common coins when CoinGecko fails', async () => {
    coingecko.fail({ status: 429, retryAfter: 60, times: Infinity });
    const { app } = dashboardApp({ COINGECKO_BASE_URL: coingecko.url });
    const { status, body } = await search(app, 'btc');
    expect(status).toBe(200);
    expect(body).toEqual({ coins: [{ id: 'bitcoin', symbol: 'BTC', name: 'Bitcoin' }], source: 'fallback' });
  });

  it('answers from the built-in list when CoinGecko is too slow', async () => {
    coingecko.setDelay(2_000);
    const { app } = dashboardApp({ COINGECKO_BASE_URL: coingecko.url, COIN_SEARCH_TIMEOUT_MS: '200' });
    const { body } = await search(app, 'ethereum');
    expect(body.source).toBe('fallback');
    expect(body.coins[0]!.id).toBe('ethereum');
  });

  it('refuses an empty or overlong query with a problem naming the field', async () => {
    const { app } = dashboardApp({ COINGECKO_BASE_URL: coingecko.url });
    for (const q of ['', '   ', 'x'.repeat(65)]) {
      const response = await app.request(`/api/coins/search?q=${q}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { errors: Array<{ field: string }> }).errors[0]!.field).toBe('q');
    }
    expect(coingecko.callsTo('/api/v3/search')).toHaveLength(0);
  });
});
