import { describe, expect, it } from 'vitest';
import { matchCommonCoins, readSearchAnswer } from './coin-search.ts';

describe('matchCommonCoins (the offline fallback)', () => {
  it('finds by symbol, name or id, exact matches first', () => {
    expect(matchCommonCoins('btc').map((c) => c.id)).toEqual(['bitcoin']);
    expect(matchCommonCoins('ETH')[0]!.id).toBe('ethereum');
    expect(matchCommonCoins('shiba').map((c) => c.id)).toEqual(['shiba-inu']);
    expect(matchCommonCoins('avalanche-2').map((c) => c.id)).toEqual(['avalanche-2']);
    // "bitcoin" is exact for Bitcoin and a prefix of Bitcoin Cash.
    expect(matchCommonCoins('bitcoin').map((c) => c.id)).toEqual(['bitcoin', 'bitcoin-cash']);
  });

  it('finds nothing for nonsense or blanks', () => {
    expect(matchCommonCoins('zzzz')).toEqual([]);
    expect(matchCommonCoins('   ')).toEqual([]);
  });
});

describe('readSearchAnswer', () => {
  it('keeps id, name and an upper-case symbol, skipping malformed entries', () => {
    expect(readSearchAnswer({ coins: [{ id: 'pepe', name: 'Pepe', symbol: 'pepe', market_cap_rank: 30 }, { id: 3 }] })).toEqual([
      { id: 'pepe', name: 'Pepe', symbol: 'PEPE' },
    ]);
  });

  it('refuses an answer without coins (so the fallback answers)', () => {
    expect(() => readSearchAnswer({ error: 'rate limited' })).toThrow();
  });
});
