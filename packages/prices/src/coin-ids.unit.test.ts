import { describe, expect, it } from 'vitest';
import { COIN_ID_PATTERN, resolveCoinId, TICKER_SYMBOLS } from './coin-ids.ts';

describe('resolveCoinId', () => {
  it.each([
    ['bitcoin', 'bitcoin'],
    ['  Bitcoin ', 'bitcoin'],
    ['SHIBA-INU', 'shiba-inu'],
    ['usd-coin', 'usd-coin'],
    ['wrapped-bitcoin', 'wrapped-bitcoin'],
  ])('takes %j as the coin id %j', (input, id) => {
    expect(resolveCoinId(input)).toEqual({ ok: true, id });
  });

  it.each([
    ['BTC', 'bitcoin', 'btc'],
    [' eth ', 'ethereum', 'eth'],
    ['ADA', 'cardano', 'ada'],
    ['shib', 'shiba-inu', 'shib'],
    ['avax', 'avalanche-2', 'avax'],
  ])('resolves the ticker symbol %j to %j and says so', (input, id, symbol) => {
    expect(resolveCoinId(input)).toEqual({ ok: true, id, symbol });
  });

  it.each(['', '   ', 'bit coin', 'bitcoin!', '-bitcoin', 'x'.repeat(101), 'bit\ncoin', 'ビットコイン'])('refuses %j with a hint', (input) => {
    const result = resolveCoinId(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/bitcoin/);
  });

  it('maps only to ids the database accepts, and never a symbol to itself', () => {
    for (const [symbol, id] of Object.entries(TICKER_SYMBOLS)) {
      expect(COIN_ID_PATTERN.test(id)).toBe(true);
      expect(id).not.toBe(symbol);
    }
  });
});
