import type { Decimal } from '@crypto-invest/money';

// What the panels work with: decimals as exact Decimals, ids and counts as numbers.

export interface Investment {
  id: number;
  coin: string;
  amount: Decimal;
  priceUsd: Decimal;
  totalUsd: Decimal;
  timestamp: string;
  priceSource: 'user' | 'coingecko';
  voided: boolean;
  voidedAt: string | null;
}

export interface CoinHolding {
  coin: string;
  amount: Decimal;
  investedUsd: Decimal;
  count: number;
  averagePriceUsd: Decimal | null;
  /** Fraction of the total invested, 0..1. */
  share: Decimal | null;
  firstAt: string | null;
  lastAt: string | null;
  currentPriceUsd: Decimal | null;
  currentValueUsd: Decimal | null;
  pnlUsd: Decimal | null;
  /** In percent (12.5 means 12.5 %). */
  pnlPercent: Decimal | null;
}

export interface InvestedPoint {
  /** First UTC day of the bucket, `2021-03-05`. */
  day: string;
  /** USD invested in the bucket (all coins, live investments). */
  investedUsd: Decimal;
  /** Running total up to and including the bucket. */
  cumulativeUsd: Decimal;
}

export interface InvestedSeries {
  /** Width of each point: the query API widens it for long histories. */
  bucket: 'day' | 'week' | 'month';
  points: InvestedPoint[];
}

export interface PortfolioStats {
  totalInvestments: number;
  investedUsd: Decimal;
  coinCount: number;
  coins: CoinHolding[];
  current: {
    available: boolean;
    valueUsd: Decimal | null;
    pnlUsd: Decimal | null;
    pnlPercent: Decimal | null;
    reason: string | null;
  };
  daily: InvestedSeries;
}

/** A read from the query API with how fresh it is. */
export interface Read<T> {
  data: T;
  /** The projection position the data reflects (X-Projection-Position), when the API said. */
  position: string | null;
  /** The API's wait for a consistency token ran out: the data may miss recent writes. */
  stale: boolean;
}

export interface HistoryQuery {
  coin?: string;
  from?: string;
  to?: string;
  includeVoided?: boolean;
  limit: number;
}

export interface HistoryPage {
  items: Investment[];
  /** The query parameters of the next (older) page, from the Link header; null on the last page. */
  next: Record<string, string> | null;
}

export interface RecordCommand {
  coin: string;
  amount: string;
  purchase_price_usd?: string;
  timestamp?: string;
}

export interface CommandResult {
  investment: Investment;
  /** Reads carrying it include this write. Null when nothing was written (voiding twice). */
  consistencyToken: string | null;
}
