import type { EventPosition } from '@crypto-invest/contracts';
import { Decimal, toPlain } from '@crypto-invest/money';
import type { PoolClient } from '@crypto-invest/postgres';
import {
  InconsistentEventError,
  dayKey,
  emptyTotals,
  splitDayKey,
  utcDay,
  type CoinStatistics,
  type DailyCoinStatistics,
  type StatisticsEvent,
  type StatisticsState,
  type StatisticsUpdate,
} from './statistics.ts';

/**
 * The statistics read model in PostgreSQL, one generation at a time: loads the rows a
 * batch of events touches and writes back what `applyEvents` made of them. Runs
 * inside the caller's transaction; every statement is a plain row-level
 * INSERT/UPDATE/DELETE (no TRUNCATE, DROP or RENAME: their locks would replay on the
 * standby and cancel the query side's reads).
 *
 * A row exists only while its count is above zero, so the tables always equal the
 * SQL aggregate over the live investments, and a reader dividing invested ÷ amount
 * never meets a zero amount.
 */

const iso = (epochMs: number) => new Date(epochMs).toISOString();

/** The rows of `generation` that `events` can touch. */
export function loadTouchedState(client: PoolClient, generation: number, events: readonly StatisticsEvent[]): Promise<StatisticsState> {
  const days = [...new Set(events.map((e) => dayKey(e.investment.coin, utcDay(e.investment.investedAt))))].map(splitDayKey);
  return loadState(client, generation, { coins: [...new Set(events.map((e) => e.investment.coin))], days });
}

/** Every row of `generation` (a rebuild keeps them in memory: a few per coin and day). */
export function loadGenerationState(client: PoolClient, generation: number): Promise<StatisticsState> {
  return loadState(client, generation, 'all');
}

async function loadState(client: PoolClient, generation: number, only: 'all' | { coins: string[]; days: { coin: string; day: string }[] }): Promise<StatisticsState> {
  // One after the other: a pg client runs one query at a time anyway.
  const coinRows = await client.query<{ coin_name: string; total_amount: string; total_invested_usd: string; investment_count: string; first_investment_at: Date; last_investment_at: Date }>(
    `select coin_name, total_amount, total_invested_usd, investment_count, first_investment_at, last_investment_at
     from coin_stats where generation = $1 ${only === 'all' ? '' : 'and coin_name = any($2::text[])'}`,
    only === 'all' ? [generation] : [generation, only.coins],
  );
  const dayRows = await client.query<{ coin_name: string; day: string; amount: string; invested_usd: string; investment_count: string }>(
    only === 'all'
      ? `select coin_name, day::text as day, amount, invested_usd, investment_count from daily_coin_stats where generation = $1`
      : `select d.coin_name, d.day::text as day, d.amount, d.invested_usd, d.investment_count
         from daily_coin_stats d
         join unnest($2::text[], $3::date[]) as k(coin_name, day) on d.coin_name = k.coin_name and d.day = k.day
         where d.generation = $1`,
    only === 'all' ? [generation] : [generation, only.days.map((d) => d.coin), only.days.map((d) => d.day)],
  );
  const totalRows = await client.query<{ total_invested_usd: string; investment_count: string; coin_count: number }>(
    'select total_invested_usd, investment_count, coin_count from portfolio_totals where generation = $1',
    [generation],
  );

  const coins = new Map<string, CoinStatistics>();
  for (const r of coinRows.rows) {
    coins.set(r.coin_name, {
      totalAmount: new Decimal(r.total_amount),
      totalInvestedUsd: new Decimal(r.total_invested_usd),
      investmentCount: BigInt(r.investment_count),
      firstInvestmentAt: r.first_investment_at.getTime(),
      lastInvestmentAt: r.last_investment_at.getTime(),
    });
  }
  const dailyRows = new Map<string, DailyCoinStatistics>();
  for (const r of dayRows.rows) {
    dailyRows.set(dayKey(r.coin_name, r.day), {
      amount: new Decimal(r.amount),
      investedUsd: new Decimal(r.invested_usd),
      investmentCount: BigInt(r.investment_count),
    });
  }
  const t = totalRows.rows[0];
  const totals = t
    ? { totalInvestedUsd: new Decimal(t.total_invested_usd), investmentCount: BigInt(t.investment_count), coinCount: t.coin_count }
    : emptyTotals();
  return { coins, days: dailyRows, totals };
}

export interface SaveOptions {
  /**
   * false while a rebuild replays the bulk of the log: live investment times are not
   * written and first/last of coins whose first/last was voided are left as they
   * are, until `insertInvestmentTimesFromLog` and `settleInvestmentTimes` fill them in.
   */
  investmentTimes: boolean;
}

/** Writes an update of `generation`: live investment times, then coins, days and totals. */
export async function saveUpdate(client: PoolClient, generation: number, update: StatisticsUpdate, options: SaveOptions = { investmentTimes: true }): Promise<void> {
  if (options.investmentTimes) {
    await saveInvestmentTimes(client, generation, update);
    await recomputeInvestmentTimes(client, generation, update);
  }

  const { state } = update;
  const liveCoins = [...update.changedCoins].filter((c) => state.coins.has(c));
  const goneCoins = [...update.changedCoins].filter((c) => !state.coins.has(c));
  const liveDays = [...update.changedDays].filter((k) => state.days.has(k));
  const goneDays = [...update.changedDays].filter((k) => !state.days.has(k)).map(splitDayKey);

  if (liveCoins.length) {
    const rows = liveCoins.map((c) => state.coins.get(c)!);
    await client.query(
      `insert into coin_stats (generation, coin_name, total_amount, total_invested_usd, investment_count, first_investment_at, last_investment_at)
       select $1, * from unnest($2::text[], $3::numeric[], $4::numeric[], $5::bigint[], $6::timestamptz[], $7::timestamptz[])
       on conflict (generation, coin_name) do update set
         total_amount = excluded.total_amount, total_invested_usd = excluded.total_invested_usd,
         investment_count = excluded.investment_count, first_investment_at = excluded.first_investment_at,
         last_investment_at = excluded.last_investment_at`,
      [
        generation,
        liveCoins,
        rows.map((r) => toPlain(r.totalAmount)),
        rows.map((r) => toPlain(r.totalInvestedUsd)),
        rows.map((r) => r.investmentCount.toString()),
        rows.map((r) => iso(r.firstInvestmentAt)),
        rows.map((r) => iso(r.lastInvestmentAt)),
      ],
    );
  }
  if (goneCoins.length) {
    await client.query('delete from coin_stats where generation = $1 and coin_name = any($2::text[])', [generation, goneCoins]);
  }
  if (liveDays.length) {
    const rows = liveDays.map((k) => ({ ...splitDayKey(k), ...state.days.get(k)! }));
    await client.query(
      `insert into daily_coin_stats (generation, coin_name, day, amount, invested_usd, investment_count)
       select $1, * from unnest($2::text[], $3::date[], $4::numeric[], $5::numeric[], $6::bigint[])
       on conflict (generation, coin_name, day) do update set
         amount = excluded.amount, invested_usd = excluded.invested_usd, investment_count = excluded.investment_count`,
      [
        generation,
        rows.map((r) => r.coin),
        rows.map((r) => r.day),
        rows.map((r) => toPlain(r.amount)),
        rows.map((r) => toPlain(r.investedUsd)),
        rows.map((r) => r.investmentCount.toString()),
      ],
    );
  }
  if (goneDays.length) {
    await client.query(
      `delete from daily_coin_stats d using unnest($2::text[], $3::date[]) as k(coin_name, day)
       where d.generation = $1 and d.coin_name = k.coin_name and d.day = k.day`,
      [generation, goneDays.map((d) => d.coin), goneDays.map((d) => d.day)],
    );
  }
  const totals = state.totals;
  await client.query(
    `insert into portfolio_totals (generation, total_invested_usd, investment_count, coin_count) values ($1, $2, $3, $4)
     on conflict (generation) do update set total_invested_usd = excluded.total_invested_usd,
       investment_count = excluded.investment_count, coin_count = excluded.coin_count`,
    [generation, toPlain(totals.totalInvestedUsd), totals.investmentCount.toString(), totals.coinCount],
  );
}

async function saveInvestmentTimes(client: PoolClient, generation: number, update: StatisticsUpdate): Promise<void> {
  const { addedTimes: added, removedTimes: removed } = update;
  if (added.length) {
    // A duplicate InvestmentRecorded hits the primary key and fails the batch: the log contradicts itself.
    await client.query(
      `insert into coin_investment_times (generation, coin_name, investment_at, investment_id)
       select $1, * from unnest($2::text[], $3::timestamptz[], $4::bigint[])`,
      [generation, added.map((t) => t.coin), added.map((t) => iso(t.investedAt)), added.map((t) => t.investmentId)],
    );
  }
  if (removed.length) {
    const { rows } = await client.query<{ investment_id: string }>(
      `delete from coin_investment_times t using unnest($2::text[], $3::timestamptz[], $4::bigint[]) as v(coin_name, investment_at, investment_id)
       where t.generation = $1 and t.coin_name = v.coin_name and t.investment_at = v.investment_at and t.investment_id = v.investment_id
       returning t.investment_id::text`,
      [generation, removed.map((t) => t.coin), removed.map((t) => iso(t.investedAt)), removed.map((t) => t.investmentId)],
    );
    if (rows.length !== removed.length) {
      const found = new Set(rows.map((r) => r.investment_id));
      const missing = removed.filter((t) => !found.has(t.investmentId)).map((t) => t.investmentId);
      throw new InconsistentEventError(`InvestmentVoided for investment(s) ${missing.join(', ')} that no live InvestmentRecorded added with the same coin and time`);
    }
  }
}

/** First/last investment time of each coin whose first or last a void removed: one index probe each. */
async function recomputeInvestmentTimes(client: PoolClient, generation: number, update: StatisticsUpdate): Promise<void> {
  const coins = [...update.timesToRecompute].filter((c) => update.state.coins.has(c));
  if (!coins.length) return;
  const { rows } = await client.query<{ coin_name: string; first_at: Date | null; last_at: Date | null }>(
    `select c.coin_name,
       (select investment_at from coin_investment_times t where t.generation = $1 and t.coin_name = c.coin_name order by investment_at asc limit 1) as first_at,
       (select investment_at from coin_investment_times t where t.generation = $1 and t.coin_name = c.coin_name order by investment_at desc limit 1) as last_at
     from unnest($2::text[]) as c(coin_name)`,
    [generation, coins],
  );
  for (const row of rows) {
    const coin = update.state.coins.get(row.coin_name)!;
    if (!row.first_at || !row.last_at) {
      throw new InconsistentEventError(`coin ${row.coin_name} has ${coin.investmentCount} live investments but no recorded investment time`);
    }
    update.state.coins.set(row.coin_name, { ...coin, firstInvestmentAt: row.first_at.getTime(), lastInvestmentAt: row.last_at.getTime() });
  }
}

/**
 * Fills the live investment times of `generation` from the event log up to `position`
 * in one set-based statement: a rebuild defers them, and one INSERT … SELECT (run
 * while the rebuild replays the same part of the log) is far cheaper than a few
 * thousand rows per batch.
 */
export async function insertInvestmentTimesFromLog(client: PoolClient, generation: number, position: EventPosition): Promise<void> {
  await client.query('delete from coin_investment_times where generation = $1', [generation]);
  await client.query(
    `insert into coin_investment_times (generation, coin_name, investment_at, investment_id)
     select $1, r.data->>'coin', (r.data->>'timestamp')::timestamptz(3), (r.data->>'investment_id')::bigint
     from events r
     where r.type = 'InvestmentRecorded' and (r.transaction_id, r.id) <= ($2::xid8, $3::bigint)
       and not exists (
         select 1 from events v
         where v.stream_id = r.stream_id and v.type = 'InvestmentVoided' and (v.transaction_id, v.id) <= ($2::xid8, $3::bigint))
     -- In index order: the rows go into the primary key's pages one after the other.
     order by 2, 3, 4`,
    [generation, position.transactionId, position.eventId],
  );
}

/**
 * Sets every coin's first/last investment time of `generation` from its live
 * investment times, after checking them against the investment counts the batches
 * produced (two independent readings of the same log must agree).
 */
export async function settleInvestmentTimes(client: PoolClient, generation: number): Promise<void> {
  const { rows } = await client.query<{ coin_name: string; counted: string | null; timed: string | null }>(
    `select coalesce(s.coin_name, t.coin_name) as coin_name, s.investment_count::text as counted, t.n::text as timed
     from (select coin_name, investment_count from coin_stats where generation = $1) s
     full join (select coin_name, count(*) as n from coin_investment_times where generation = $1 group by coin_name) t using (coin_name)
     where s.investment_count is distinct from t.n`,
    [generation],
  );
  if (rows.length) {
    const detail = rows.map((r) => `${r.coin_name}: ${r.counted ?? 0} counted, ${r.timed ?? 0} in the log`).join('; ');
    throw new InconsistentEventError(`live investments in the log do not match the rebuilt counts (${detail})`);
  }
  await client.query(
    `update coin_stats s set
       first_investment_at = (select min(investment_at) from coin_investment_times t where t.generation = s.generation and t.coin_name = s.coin_name),
       last_investment_at = (select max(investment_at) from coin_investment_times t where t.generation = s.generation and t.coin_name = s.coin_name)
     where s.generation = $1`,
    [generation],
  );
}
