import { Decimal } from '@crypto-invest/money';
import type { PoolClient } from '@crypto-invest/postgres';
import type { ProjectionState } from '../freshness/projection-state.ts';
import { chooseBucket, type DailyBucket } from './daily-series.ts';

export interface CoinStatistics {
  coin: string;
  totalAmount: Decimal;
  investedUsd: Decimal;
  count: bigint;
  firstInvestmentAt: string | null;
  lastInvestmentAt: string | null;
}

export interface SeriesPoint {
  /** First UTC day of the bucket (YYYY-MM-DD). */
  date: string;
  investedUsd: Decimal;
  count: bigint;
  cumulativeInvestedUsd: Decimal;
}

/** The statistics read model of one generation at one checkpoint, as read in one snapshot. */
export interface StatisticsSnapshot {
  state: ProjectionState;
  totals: { investedUsd: Decimal; count: bigint };
  /** Coins with at least one live investment, by name. */
  coins: CoinStatistics[];
  daily: { bucket: DailyBucket; points: SeriesPoint[] };
}

export type BucketChoice = DailyBucket | 'auto';

const ISO_MS = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/**
 * Reads the read model of the generation `state` names, inside the caller's snapshot
 * (the same one `state` was read in, so rows and checkpoint agree). Only read-model
 * tables: the cost depends on the number of coins and days, never on investments.
 */
export async function readStatistics(client: PoolClient, state: ProjectionState, bucketChoice: BucketChoice): Promise<StatisticsSnapshot> {
  const generation = state.generation;
  const totals = await client.query<{ invested: string; count: string }>(
    'select total_invested_usd::text as invested, investment_count::text as count from portfolio_totals where generation = $1',
    [generation],
  );
  const coins = await client.query<{ coin: string; amount: string; invested: string; count: string; first_at: string | null; last_at: string | null }>(
    `select coin_name as coin, total_amount::text as amount, total_invested_usd::text as invested, investment_count::text as count,
            to_char(first_investment_at at time zone 'UTC', ${ISO_MS}) as first_at,
            to_char(last_investment_at at time zone 'UTC', ${ISO_MS}) as last_at
     from coin_stats where generation = $1 and investment_count > 0 order by coin_name`,
    [generation],
  );
  const coinRows: CoinStatistics[] = coins.rows.map((r) => ({
    coin: r.coin,
    totalAmount: new Decimal(r.amount),
    investedUsd: new Decimal(r.invested),
    count: BigInt(r.count),
    firstInvestmentAt: r.first_at,
    lastInvestmentAt: r.last_at,
  }));
  const firsts = coinRows.map((c) => c.firstInvestmentAt).filter((t): t is string => t !== null).sort();
  const lasts = coinRows.map((c) => c.lastInvestmentAt).filter((t): t is string => t !== null).sort();
  const bucket = bucketChoice === 'auto' ? chooseBucket(firsts[0]?.slice(0, 10), lasts.at(-1)?.slice(0, 10)) : bucketChoice;
  const daily = await client.query<{ date: string; invested: string; count: string; cumulative: string }>(
    `select to_char(bucket, 'YYYY-MM-DD') as date, invested::text, count::text,
            (sum(invested) over (order by bucket))::text as cumulative
     from (select date_trunc($2, day::timestamp)::date as bucket, sum(invested_usd) as invested, sum(investment_count) as count
           from daily_coin_stats where generation = $1
           group by 1 having sum(investment_count) > 0) b
     order by bucket`,
    [generation, bucket],
  );
  const row = totals.rows[0];
  return {
    state,
    totals: row ? { investedUsd: new Decimal(row.invested), count: BigInt(row.count) } : { investedUsd: new Decimal(0), count: 0n },
    coins: coinRows,
    daily: {
      bucket,
      points: daily.rows.map((r) => ({
        date: r.date,
        investedUsd: new Decimal(r.invested),
        count: BigInt(r.count),
        cumulativeInvestedUsd: new Decimal(r.cumulative),
      })),
    },
  };
}
