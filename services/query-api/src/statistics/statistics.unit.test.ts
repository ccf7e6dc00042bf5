import { describe, expect, it } from 'vitest';
import { Decimal, stringifyJsonExact } from '@crypto-invest/money';
import { assembleStatistics } from './assemble-statistics.ts';
import { chooseBucket } from './daily-series.ts';
import type { StatisticsSnapshot } from './statistics-read-model.ts';

const d = (text: string) => new Decimal(text);
const state = { generation: 3, position: { transactionId: '900', eventId: '17' }, token: '900.17', updatedAt: '2021-01-01T00:00:00.000Z' };

function snapshot(coins: Array<[string, string, string, number]>): StatisticsSnapshot {
  const invested = coins.reduce((sum, [, , usd]) => sum.plus(usd), d('0'));
  return {
    state,
    totals: { investedUsd: invested, count: BigInt(coins.reduce((n, [, , , count]) => n + count, 0)) },
    coins: coins.map(([coin, amount, usd, count]) => ({
      coin,
      totalAmount: d(amount),
      investedUsd: d(usd),
      count: BigInt(count),
      firstInvestmentAt: '2019-01-07T14:00:00.000Z',
      lastInvestmentAt: '2019-01-09T10:00:00.000Z',
    })),
    daily: { bucket: 'day', points: [] },
  };
}

describe('assembleStatistics', () => {
  it('weights the average price by amount (not the mean of prices) and gives exact shares', () => {
    // bitcoin 1.9887 @ 88.63 + 0.388 @ 58.64: invested 199.010801 for 2.3767 coins.
    const view = assembleStatistics(snapshot([['bitcoin', '2.3767', '199.010801', 2], ['tether', '1', '1', 1]]), { available: false, reason: 'down' }, false);
    expect(view.coins.bitcoin!.average_price_usd!.toFixed()).toBe('83.734085496697101022');
    expect(view.coins.bitcoin!.share!.toFixed()).toBe('0.995000270010418087');
    expect(view.coins.tether!.share!.toFixed()).toBe('0.004999729989581913');
    expect(view.coin_count).toBe(2);
    expect(view.total_investments).toBe(3n);
  });

  it('computes values and profit exactly, with null (never 0) for what has no price', () => {
    const prices = new Map([['bitcoin', d('0.1')]]);
    const view = assembleStatistics(snapshot([['bitcoin', '3', '0.6', 1], ['pepe', '1000000', '0.0123', 1]]), { available: true, prices }, false);
    expect(view.coins.bitcoin!.current_value_usd!.toFixed()).toBe('0.3');
    expect(view.coins.bitcoin!.unrealized_pnl_usd!.toFixed()).toBe('-0.3');
    expect(view.coins.bitcoin!.unrealized_pnl_pct!.toFixed()).toBe('-50');
    expect(view.coins.pepe).toMatchObject({ current_price_usd: null, current_value_usd: null, unrealized_pnl_usd: null, unrealized_pnl_pct: null });
    expect(view.current).toEqual({ available: false, value_usd: null, unrealized_pnl_usd: null, unrealized_pnl_pct: null, reason: 'no current price for pepe' });
    expect(stringifyJsonExact(view.current)).not.toMatch(/:0[,}]/);
  });

  it('answers an empty portfolio without dividing by zero', () => {
    const view = assembleStatistics(snapshot([]), { available: true, prices: new Map() }, true);
    expect(view.total_value_usd.toFixed()).toBe('0');
    expect(view.coins).toEqual({});
    expect(view.current).toMatchObject({ available: true, unrealized_pnl_pct: null });
    expect(view.projection).toEqual({ position: '900.17', stale: true, generation: 3, as_of: '2021-01-01T00:00:00.000Z' });
  });

  it('serialises counts as JSON integers and decimals with every digit', () => {
    const text = stringifyJsonExact(assembleStatistics(snapshot([['shiba-inu', '99999999999999999999.999999999999999999', '0.000000000000000001', 1]]), { available: false, reason: 'x' }, false));
    expect(text).toContain('"total_investments":1,');
    expect(text).toContain('"total_amount":99999999999999999999.999999999999999999,');
    expect(text).toContain('"total_value_usd":0.000000000000000001,');
    expect(text).not.toMatch(/\de[-+]?\d/);
  });
});

describe('chooseBucket', () => {
  it('keeps the series at most a year of points long whatever the span', () => {
    expect(chooseBucket(undefined, undefined)).toBe('day');
    expect(chooseBucket('2021-01-01', '2021-12-31')).toBe('day');
    expect(chooseBucket('2020-01-01', '2021-12-31')).toBe('week');
    expect(chooseBucket('2014-01-01', '2021-12-31')).toBe('month');
  });
});
