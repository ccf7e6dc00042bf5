import { Decimal } from '@crypto-invest/money';
import type { CoinHolding } from '../api/model.ts';

export interface AllocationSlice {
  label: string;
  /** Fraction of the total invested, 0..1. */
  share: Decimal;
  investedUsd: Decimal;
}

/**
 * Allocation by amount invested: the biggest `maxSlices - 1` coins and, when there are more,
 * one "others" slice, so the chart stays readable with many coins.
 */
export function allocationSlices(coins: CoinHolding[], totalInvested: Decimal, maxSlices = 8): AllocationSlice[] {
  const held = coins.filter((c) => c.investedUsd.greaterThan(0));
  const shareOf = (c: CoinHolding) => c.share ?? (totalInvested.isZero() ? new Decimal(0) : c.investedUsd.div(totalInvested));
  const sorted = [...held].sort((a, b) => b.investedUsd.comparedTo(a.investedUsd) || a.coin.localeCompare(b.coin));
  if (sorted.length <= maxSlices) return sorted.map((c) => ({ label: c.coin, share: shareOf(c), investedUsd: c.investedUsd }));
  const top = sorted.slice(0, maxSlices - 1);
  const rest = sorted.slice(maxSlices - 1);
  const restInvested = rest.reduce((sum, c) => sum.plus(c.investedUsd), new Decimal(0));
  return [
    ...top.map((c) => ({ label: c.coin, share: shareOf(c), investedUsd: c.investedUsd })),
    { label: `${rest.length} others`, share: rest.reduce((sum, c) => sum.plus(shareOf(c)), new Decimal(0)), investedUsd: restInvested },
  ];
}

/** Round axis steps (1, 2, 2.5, 5 × 10^n) so that `count` steps cover `max`. */
export function niceTicks(max: number, count = 4): number[] {
  if (!(max > 0)) return [0];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}
