import { Decimal } from '@crypto-invest/money';
import { describe, expect, it } from 'vitest';
import type { CoinHolding } from '../api/model.ts';
import { allocationSlices, niceTicks } from './series.ts';

const d = (text: string) => new Decimal(text);

describe('allocationSlices', () => {
  const coin = (name: string, invested: string, share: string | null = null): CoinHolding => ({
    coin: name, amount: d('1'), investedUsd: d(invested), count: 1, averagePriceUsd: null, share: share === null ? null : d(share),
    firstAt: null, lastAt: null, currentPriceUsd: null, currentValueUsd: null, pnlUsd: null, pnlPercent: null,
  });

  it('orders coins by amount invested and uses the API share', () => {
    const slices = allocationSlices([coin('b', '25', '0.25'), coin('a', '75', '0.75'), coin('gone', '0', '0')], d('100'));
    expect(slices.map((s) => [s.label, s.share.toFixed()])).toEqual([['a', '0.75'], ['b', '0.25']]);
  });

  it('groups the smallest coins into one slice past the limit', () => {
    const coins = ['10', '9', '8', '1', '1'].map((v, i) => coin(`c${i}`, v));
    const slices = allocationSlices(coins, d('29'), 3);
    expect(slices.map((s) => s.label)).toEqual(['c0', 'c1', '3 others']);
    expect(slices[2]!.investedUsd.toFixed()).toBe('10');
  });
});

describe('niceTicks', () => {
  it('covers the maximum with round steps', () => {
    expect(niceTicks(199.01)).toEqual([0, 50, 100, 150, 200]);
    expect(niceTicks(0.003)).toEqual([0, 0.001, 0.002, 0.003]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
