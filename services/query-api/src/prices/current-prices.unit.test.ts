import { describe, expect, it } from 'vitest';
import { DomainError } from '@crypto-invest/contracts';
import { Decimal } from '@crypto-invest/money';
import { createPriceLookup } from './current-prices.ts';

describe('createPriceLookup', () => {
  it('passes prices through, and asks nothing for an empty portfolio', async () => {
    let asked = 0;
    const lookup = createPriceLookup(async (coins) => {
      asked += 1;
      return new Map(coins.map((c) => [c, new Decimal('1.5')]));
    }, { waitMs: 100 });
    expect(await lookup([])).toEqual({ available: true, prices: new Map() });
    expect(asked).toBe(0);
    const result = await lookup(['bitcoin']);
    expect(result.available && result.prices.get('bitcoin')!.toFixed()).toBe('1.5');
  });

  it('gives up after waitMs, then answers unavailable at once during the back-off while one lookup retries', async () => {
    let clock = 0;
    let calls = 0;
    let mode: 'hang' | 'fail' | 'ok' = 'hang';
    const lookup = createPriceLookup(
      (coins) => {
        calls += 1;
        if (mode === 'hang') return new Promise(() => undefined);
        if (mode === 'fail') return Promise.reject(new DomainError('unavailable', 'price-unavailable', 'Price unavailable', 'CoinGecko is down'));
        return Promise.resolve(new Map(coins.map((c) => [c, new Decimal(2)])));
      },
      { waitMs: 20, backoffMs: 1_000, now: () => clock },
    );
    expect(await lookup(['bitcoin'])).toEqual({ available: false, reason: 'current prices did not arrive within 20 ms' });
    mode = 'fail';
    clock = 500;
    expect(await lookup(['bitcoin'])).toEqual({ available: false, reason: 'current prices did not arrive within 20 ms' });
    expect(calls).toBe(2); // the background retry
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await lookup(['bitcoin'])).toEqual({ available: false, reason: 'CoinGecko is down' });
    mode = 'ok';
    clock = 5_000;
    expect((await lookup(['bitcoin'])).available).toBe(true);
  });

  it('never shows an internal error message', async () => {
    const lookup = createPriceLookup(() => Promise.reject(new Error('ECONNREFUSED 10.0.0.1:443 secret')), { waitMs: 50 });
    expect(await lookup(['bitcoin'])).toEqual({ available: false, reason: 'the price service failed' });
  });
});
