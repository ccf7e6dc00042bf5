import { InvestmentRecordedData } from '@crypto-invest/contracts';
import { HISTORY_COINS, loadPriceHistory } from '@crypto-invest/demo-data';
import { Decimal, toPlain } from '@crypto-invest/money';
import { describe, expect, it } from 'vitest';
import { generateInvestments, recordedEventData, scaledDecimal } from './investment-rows.ts';

const take = (seed: number, n: number) => {
  const gen = generateInvestments(seed);
  return Array.from({ length: n }, () => gen.next().value!);
};

describe('generated investments', () => {
  const rows = take(7, 5_000);

  it('are real purchases: a coin of the demo data, a day it traded, that day’s close', () => {
    for (const row of rows) {
      const history = loadPriceHistory(row.coin)!;
      expect(history, row.coin).toBeDefined();
      const day = row.timestamp.slice(0, 10);
      expect(new Decimal(history.get(day)!).eq(row.purchasePriceUsd)).toBe(true);
    }
    expect(new Set(rows.map((r) => r.coin))).toEqual(new Set(HISTORY_COINS.map((c) => c.id)));
  });

  it('write decimals as the command API does (toPlain) and times as ISO with milliseconds', () => {
    for (const row of rows) {
      expect(row.amount).toBe(toPlain(new Decimal(row.amount)));
      expect(row.purchasePriceUsd).toBe(toPlain(new Decimal(row.purchasePriceUsd)));
      expect(new Decimal(row.amount).gt(0)).toBe(true);
      expect(row.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('make valid InvestmentRecorded event data', () => {
    for (const [i, row] of rows.entries()) expect(InvestmentRecordedData.safeParse(recordedEventData(String(i + 1), row)).success).toBe(true);
  });

  it('are the same for the same seed, different for another', () => {
    expect(take(7, 100)).toEqual(rows.slice(0, 100));
    expect(take(8, 100)).not.toEqual(rows.slice(0, 100));
  });

  it('scaledDecimal places the point and drops trailing zeros', () => {
    expect(scaledDecimal(12_345_678, 8)).toBe('0.12345678');
    expect(scaledDecimal(1, 8)).toBe('0.00000001');
    expect(scaledDecimal(150_000_000, 8)).toBe('1.5');
    expect(scaledDecimal(99_999_900, 2)).toBe('999999');
  });
});
