import { ZERO, type Decimal } from '@crypto-invest/money';

/**
 * The statistics read model as pure arithmetic: what an investment event adds to or
 * subtracts from the per-coin figures, the portfolio totals and the daily series.
 * No I/O here; `statistics-store.ts` loads the rows a batch touches, calls
 * `applyEvents` and writes the result back.
 *
 * Every sum is exact (Decimal), so a void subtracts exactly what its investment added
 * and the figures always equal the SQL aggregate over the live investments.
 */

/** One investment's facts, as carried by both InvestmentRecorded and InvestmentVoided. */
export interface InvestmentFacts {
  investmentId: string;
  coin: string;
  amount: Decimal;
  purchasePriceUsd: Decimal;
  /** Purchase time, epoch milliseconds (the stored precision). */
  investedAt: number;
}

export type StatisticsEvent =
  | { type: 'InvestmentRecorded'; investment: InvestmentFacts }
  | { type: 'InvestmentVoided'; investment: InvestmentFacts };

export interface CoinStatistics {
  totalAmount: Decimal;
  totalInvestedUsd: Decimal;
  investmentCount: bigint;
  /** Epoch ms of the earliest / latest live investment. */
  firstInvestmentAt: number;
  lastInvestmentAt: number;
}

export interface DailyCoinStatistics {
  amount: Decimal;
  investedUsd: Decimal;
  investmentCount: bigint;
}

export interface PortfolioTotals {
  totalInvestedUsd: Decimal;
  investmentCount: bigint;
  /** Coins with at least one live investment. */
  coinCount: number;
}

/**
 * The rows a batch can touch. A coin or (coin, day) that is absent has no live
 * investment. `coins` must hold every touched coin that has a row (the store loads
 * exactly those), which is what lets `coinCount` move by +1/−1 without a full scan.
 */
export interface StatisticsState {
  coins: Map<string, CoinStatistics>;
  /** Keyed by `dayKey(coin, day)`. */
  days: Map<string, DailyCoinStatistics>;
  totals: PortfolioTotals;
}

export interface InvestmentTime {
  investmentId: string;
  coin: string;
  investedAt: number;
}

export interface StatisticsUpdate {
  state: StatisticsState;
  /** Coins and days whose row changed (absent from `state` now = delete the row). */
  changedCoins: Set<string>;
  changedDays: Set<string>;
  /**
   * Coins whose first or last investment was voided: the new first/last is not
   * derivable from the aggregates, so the store looks it up among the live
   * investment times (after writing `addedTimes`/`removedTimes`).
   */
  timesToRecompute: Set<string>;
  /** Live investment times to insert / delete (a record voided in the same batch is in neither). */
  addedTimes: InvestmentTime[];
  removedTimes: InvestmentTime[];
}

export class InconsistentEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentEventError';
  }
}

export const emptyTotals = (): PortfolioTotals => ({ totalInvestedUsd: ZERO, investmentCount: 0n, coinCount: 0 });
export const emptyState = (): StatisticsState => ({ coins: new Map(), days: new Map(), totals: emptyTotals() });

const DAY_MS = 86_400_000;
const dayNames = new Map<number, string>();

/** The UTC calendar day of an instant: `2021-03-02` (memoised per day: a rebuild asks a million times). */
export function utcDay(epochMs: number): string {
  const day = Math.floor(epochMs / DAY_MS);
  let name = dayNames.get(day);
  if (name === undefined) {
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size < 100_000) dayNames.set(day, name);
  }
  return name;
}

/** Key of a (coin, UTC day) row. A space cannot occur in either part. */
export const dayKey = (coin: string, day: string) => `${day} ${coin}`;
export const splitDayKey = (key: string) => ({ day: key.slice(0, 10), coin: key.slice(11) });

/** What an investment is worth at purchase: amount × price, exact. */
export const investedUsd = (investment: InvestmentFacts) => investment.amount.times(investment.purchasePriceUsd);

/**
 * Applies events, in log order, to the rows they touch. Pure: `state` is not
 * modified; the result holds new maps. Throws InconsistentEventError when a void has
 * nothing to subtract from (the log contradicts itself; never guess).
 */
export function applyEvents(state: StatisticsState, events: readonly StatisticsEvent[]): StatisticsUpdate {
  const coins = new Map(state.coins);
  const days = new Map(state.days);
  // Totals move by the sum of the batch's changes: accumulated here, applied once.
  let investedDelta = ZERO;
  let countDelta = 0n;
  let coinCountDelta = 0;
  const changedCoins = new Set<string>();
  const changedDays = new Set<string>();
  const timesToRecompute = new Set<string>();
  const added = new Map<string, InvestmentTime>();
  const removedTimes: InvestmentTime[] = [];

  for (const event of events) {
    const facts = event.investment;
    const value = investedUsd(facts);
    const day = dayKey(facts.coin, utcDay(facts.investedAt));
    const coin = coins.get(facts.coin);
    const daily = days.get(day);

    if (event.type === 'InvestmentRecorded') {
      if (coin) {
        coins.set(facts.coin, {
          totalAmount: coin.totalAmount.plus(facts.amount),
          totalInvestedUsd: coin.totalInvestedUsd.plus(value),
          investmentCount: coin.investmentCount + 1n,
          firstInvestmentAt: Math.min(coin.firstInvestmentAt, facts.investedAt),
          lastInvestmentAt: Math.max(coin.lastInvestmentAt, facts.investedAt),
        });
      } else {
        coins.set(facts.coin, {
          totalAmount: facts.amount,
          totalInvestedUsd: value,
          investmentCount: 1n,
          firstInvestmentAt: facts.investedAt,
          lastInvestmentAt: facts.investedAt,
        });
        coinCountDelta++;
      }
      days.set(day, {
        amount: (daily?.amount ?? ZERO).plus(facts.amount),
        investedUsd: (daily?.investedUsd ?? ZERO).plus(value),
        investmentCount: (daily?.investmentCount ?? 0n) + 1n,
      });
      investedDelta = investedDelta.plus(value);
      countDelta++;
      added.set(facts.investmentId, { investmentId: facts.investmentId, coin: facts.coin, investedAt: facts.investedAt });
    } else {
      if (!coin || !daily) {
        throw new InconsistentEventError(
          `InvestmentVoided for investment ${facts.investmentId} (${facts.coin}, ${utcDay(facts.investedAt)}), which no live InvestmentRecorded added`,
        );
      }
      if (coin.investmentCount === 1n) {
        coins.delete(facts.coin);
        timesToRecompute.delete(facts.coin);
        coinCountDelta--;
      } else {
        coins.set(facts.coin, {
          totalAmount: coin.totalAmount.minus(facts.amount),
          totalInvestedUsd: coin.totalInvestedUsd.minus(value),
          investmentCount: coin.investmentCount - 1n,
          firstInvestmentAt: coin.firstInvestmentAt,
          lastInvestmentAt: coin.lastInvestmentAt,
        });
        // A time cannot be subtracted: if this was the first or the last, look it up.
        if (facts.investedAt === coin.firstInvestmentAt || facts.investedAt === coin.lastInvestmentAt) timesToRecompute.add(facts.coin);
      }
      if (daily.investmentCount === 1n) days.delete(day);
      else {
        days.set(day, {
          amount: daily.amount.minus(facts.amount),
          investedUsd: daily.investedUsd.minus(value),
          investmentCount: daily.investmentCount - 1n,
        });
      }
      investedDelta = investedDelta.minus(value);
      countDelta--;
      if (!added.delete(facts.investmentId)) {
        removedTimes.push({ investmentId: facts.investmentId, coin: facts.coin, investedAt: facts.investedAt });
      }
    }
    changedCoins.add(facts.coin);
    changedDays.add(day);
  }

  const totals: PortfolioTotals = {
    totalInvestedUsd: state.totals.totalInvestedUsd.plus(investedDelta),
    investmentCount: state.totals.investmentCount + countDelta,
    coinCount: state.totals.coinCount + coinCountDelta,
  };
  return {
    state: { coins, days, totals },
    changedCoins,
    changedDays,
    timesToRecompute,
    addedTimes: [...added.values()],
    removedTimes,
  };
}

/**
 * The statistics of a set of live investments computed from scratch — the SQL
 * aggregate's definition in code. Tests compare `applyEvents` against it.
 */
export function aggregateInvestments(investments: readonly InvestmentFacts[]): StatisticsState {
  const coins = new Map<string, CoinStatistics>();
  const days = new Map<string, DailyCoinStatistics>();
  let totalInvestedUsd = ZERO;
  for (const facts of investments) {
    const value = investedUsd(facts);
    const coin = coins.get(facts.coin);
    coins.set(facts.coin, {
      totalAmount: (coin?.totalAmount ?? ZERO).plus(facts.amount),
      totalInvestedUsd: (coin?.totalInvestedUsd ?? ZERO).plus(value),
      investmentCount: (coin?.investmentCount ?? 0n) + 1n,
      firstInvestmentAt: Math.min(coin?.firstInvestmentAt ?? Infinity, facts.investedAt),
      lastInvestmentAt: Math.max(coin?.lastInvestmentAt ?? -Infinity, facts.investedAt),
    });
    const key = dayKey(facts.coin, utcDay(facts.investedAt));
    const daily = days.get(key);
    days.set(key, {
      amount: (daily?.amount ?? ZERO).plus(facts.amount),
      investedUsd: (daily?.investedUsd ?? ZERO).plus(value),
      investmentCount: (daily?.investmentCount ?? 0n) + 1n,
    });
    totalInvestedUsd = totalInvestedUsd.plus(value);
  }
  return { coins, days, totals: { totalInvestedUsd, investmentCount: BigInt(investments.length), coinCount: coins.size } };
}

/** An ISO 8601 instant as epoch ms, rounded the way PostgreSQL's timestamptz(3) rounds it. */
export function parseInstantMs(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/i.exec(text);
  if (!match) throw new InconsistentEventError(`not an ISO 8601 instant: ${text}`);
  const whole = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(whole)) throw new InconsistentEventError(`not an ISO 8601 instant: ${text}`);
  // PostgreSQL keeps microseconds (half up), then timestamptz(3) rounds to ms (half up).
  const digits = (match[2] ?? '').padEnd(7, '0');
  const micros = Number(digits.slice(0, 6)) + (Number(digits[6]) >= 5 ? 1 : 0);
  return whole + Math.floor((micros + 500) / 1000);
}

