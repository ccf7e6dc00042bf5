import { Decimal, divide, sum } from '@crypto-invest/money';
import type { PriceLookup } from '../prices/current-prices.ts';
import type { StatisticsSnapshot } from './statistics-read-model.ts';

/** Digits kept by the divisions (averages, shares, percentages): the scale of a stored price. */
export const DIVISION_SCALE = 18;

export interface CoinStatisticsView {
  total_amount: Decimal;
  total_value_usd: Decimal;
  count: bigint;
  average_price_usd: Decimal | null;
  share: Decimal | null;
  first_investment_at: string | null;
  last_investment_at: string | null;
  current_price_usd: Decimal | null;
  current_value_usd: Decimal | null;
  unrealized_pnl_usd: Decimal | null;
  unrealized_pnl_pct: Decimal | null;
}

export interface StatisticsView {
  total_investments: bigint;
  total_value_usd: Decimal;
  coin_count: number;
  coins: Record<string, CoinStatisticsView>;
  current: {
    available: boolean;
    value_usd: Decimal | null;
    unrealized_pnl_usd: Decimal | null;
    unrealized_pnl_pct: Decimal | null;
    reason?: string;
  };
  daily: {
    bucket: string;
    points: Array<{ date: string; invested_usd: Decimal; investment_count: bigint; cumulative_invested_usd: Decimal }>;
  };
  projection: { position: string; stale: boolean; generation: number; as_of: string };
}

const HUNDRED = new Decimal(100);

const percentOf = (part: Decimal, whole: Decimal) => divide(part.times(HUNDRED), whole, DIVISION_SCALE);

/**
 * The /stats body from a read-model snapshot and the current prices. Pure: exact
 * sums and products; every division through `divide` (rounded half-even to 18
 * places, null on a zero divisor). A coin without a current price gets null price
 * fields, and then the portfolio's current value is unavailable too — never zero.
 */
export function assembleStatistics(snapshot: StatisticsSnapshot, prices: PriceLookup, stale: boolean): StatisticsView {
  const totalInvested = snapshot.totals.investedUsd;
  const coins: Record<string, CoinStatisticsView> = {};
  const missing: string[] = [];
  const currentValues: Decimal[] = [];
  for (const coin of snapshot.coins) {
    const price = prices.available ? prices.prices.get(coin.coin) : undefined;
    const value = price ? coin.totalAmount.times(price) : null;
    const pnl = value ? value.minus(coin.investedUsd) : null;
    if (value) currentValues.push(value);
    else missing.push(coin.coin);
    coins[coin.coin] = {
      total_amount: coin.totalAmount,
      total_value_usd: coin.investedUsd,
      count: coin.count,
      average_price_usd: divide(coin.investedUsd, coin.totalAmount, DIVISION_SCALE),
      share: divide(coin.investedUsd, totalInvested, DIVISION_SCALE),
      first_investment_at: coin.firstInvestmentAt,
      last_investment_at: coin.lastInvestmentAt,
      current_price_usd: price ?? null,
      current_value_usd: value,
      unrealized_pnl_usd: pnl,
      unrealized_pnl_pct: pnl ? percentOf(pnl, coin.investedUsd) : null,
    };
  }

  let current: StatisticsView['current'];
  if (!prices.available) {
    current = { available: false, value_usd: null, unrealized_pnl_usd: null, unrealized_pnl_pct: null, reason: prices.reason };
  } else if (missing.length > 0) {
    current = {
      available: false,
      value_usd: null,
      unrealized_pnl_usd: null,
      unrealized_pnl_pct: null,
      reason: `no current price for ${missing.join(', ')}`,
    };
  } else {
    const value = sum(currentValues);
    const pnl = value.minus(totalInvested);
    current = { available: true, value_usd: value, unrealized_pnl_usd: pnl, unrealized_pnl_pct: percentOf(pnl, totalInvested) };
  }

  return {
    total_investments: snapshot.totals.count,
    total_value_usd: totalInvested,
    coin_count: snapshot.coins.length,
    coins,
    current,
    daily: {
      bucket: snapshot.daily.bucket,
      points: snapshot.daily.points.map((p) => ({
        date: p.date,
        invested_usd: p.investedUsd,
        investment_count: p.count,
        cumulative_invested_usd: p.cumulativeInvestedUsd,
      })),
    },
    projection: { position: snapshot.state.token, stale, generation: snapshot.state.generation, as_of: snapshot.state.updatedAt },
  };
}
